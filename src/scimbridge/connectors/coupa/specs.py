"""Target specs for Coupa's shapes: integer ids, references and timestamps.

Coupa sends ids as JSON numbers, references to other records as nested
objects (``"manager": {"id": 7, "login": ...}``) or lists of them
(``"roles": [{"id": 3, "name": "User"}]``), and timestamps with the
instance's UTC offset. SCIM ids are strings and SCIM timestamps are usually
given in UTC. These specs convert between the two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scimbridge.errors import InvalidValue
from scimbridge.mapping.rows import TargetSpec, as_list, read_dotted, write_dotted


def scim_id(value: Any) -> str | None:
    """Return a Coupa id in its SCIM form, a string of digits."""
    if value is None or isinstance(value, bool):
        return None
    return str(value)


def reference_key(value: Any, attribute: str, name_key: str = "name") -> dict[str, Any]:
    """Build the reference object Coupa matches: ``{"id": n}`` for digits, else by name.

    Identity managers send the SCIM ``value``, which is the Coupa id. A name
    (``name_key``: ``name`` for groups and roles, ``login`` for users) is
    accepted too, because Coupa resolves references by their natural keys.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidValue(f"{attribute} value {value!r} is invalid; send the Coupa id as a string")
    if isinstance(value, int):
        return {"id": value}
    text = str(value).strip()
    if not text:
        raise InvalidValue(f'{attribute} value is empty; send the Coupa id, such as "3"')
    return {"id": int(text)} if text.isdigit() else {name_key: text}


@dataclass(frozen=True)
class IdField(TargetSpec):
    """The record's own integer id, read as a string."""

    name: str = "id"

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.name,)

    def read(self, target: Mapping[str, Any]) -> Any:
        return scim_id(read_dotted(target, self.name))

    def write(self, value: Any) -> dict[str, Any]:
        raise TypeError("a Coupa id is assigned by Coupa and cannot be written")

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class ReferenceId(TargetSpec):
    """The id of one referenced record, such as a user's ``manager.id``."""

    object_name: str
    attribute: str
    """The SCIM attribute, named in error messages."""
    name_key: str = "name"
    """The natural key a value that is not an id is sent as."""

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (f"{self.object_name}.id",)

    def read(self, target: Mapping[str, Any]) -> Any:
        return scim_id(read_dotted(target, f"{self.object_name}.id"))

    def write(self, value: Any) -> dict[str, Any]:
        if value is None or value == "":
            return write_dotted(self.object_name, None)
        return write_dotted(self.object_name, reference_key(value, self.attribute, self.name_key))

    def describe(self) -> str:
        return f"{self.object_name}.id"


@dataclass(frozen=True)
class ReferenceList(TargetSpec):
    """The ids of a list of referenced records, such as a user's ``roles``.

    Writing sends the whole list, because Coupa replaces such a list with
    exactly what a request carries.
    """

    list_name: str
    attribute: str
    text: str = ""
    """The list's description in the mapping documentation, when not ``<list>[].id``."""

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (f"{self.list_name}[].id",)

    def read(self, target: Mapping[str, Any]) -> Any:
        entries = target.get(self.list_name)
        if not isinstance(entries, list):
            return None
        ids = [scim_id(entry.get("id")) for entry in entries if isinstance(entry, Mapping)]
        return [value for value in ids if value is not None]

    def write(self, value: Any) -> dict[str, Any]:
        values = as_list(value)
        references = [reference_key(item, self.attribute) for item in values]
        unique = list({repr(sorted(ref.items())): ref for ref in references}.values())
        return {self.list_name: unique}

    def describe(self) -> str:
        return self.text or f"{self.list_name}[].id"


@dataclass(frozen=True)
class Timestamp(TargetSpec):
    """A Coupa timestamp read as an RFC 3339 UTC date-time, e.g. ``2026-12-04T22:02:11Z``."""

    name: str

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.name,)

    def read(self, target: Mapping[str, Any]) -> Any:
        return utc_timestamp(target.get(self.name))

    def write(self, value: Any) -> dict[str, Any]:
        raise TypeError("Coupa sets its timestamps itself")

    def describe(self) -> str:
        return f"{self.name} (converted to UTC)"


def utc_timestamp(value: Any) -> str | None:
    """Convert a Coupa timestamp such as ``2026-12-04T14:02:11-08:00`` to UTC, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Lookup(TargetSpec):
    """A referenced record named by one natural key, such as ``default-currency.code``.

    Writing sends ``{"default-currency": {"code": "EUR"}}``, which Coupa
    resolves to an existing record, and an empty value clears the reference.
    """

    object_name: str
    key: str

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (f"{self.object_name}.{self.key}",)

    def read(self, target: Mapping[str, Any]) -> Any:
        return read_dotted(target, f"{self.object_name}.{self.key}")

    def write(self, value: Any) -> dict[str, Any]:
        if value is None or value == "":
            return {self.object_name: None}
        return {self.object_name: {self.key: value}}

    def describe(self) -> str:
        return f"{self.object_name}.{self.key}"
