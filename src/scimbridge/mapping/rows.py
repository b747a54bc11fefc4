"""Mapping rows: one SCIM attribute path tied to one target field or expression.

A connector declares its rows as data. Both conversion directions
(:mod:`scimbridge.mapping.engine`) and the published ``/Schemas``
(:mod:`scimbridge.mapping.schemas`) are derived from the same rows, so the
documentation, the discovery endpoints and the behaviour cannot drift apart.

SCIM paths in rows use a small grammar:

``attr`` or ``attr.sub``
    a single-valued attribute or a sub-attribute of a complex one;
``attr[].sub``
    the ``sub`` of every entry of a multi-valued attribute, read from a target
    list. A single target value gives at most one entry;
``attr[0].sub``
    the ``sub`` of the one entry the target keeps, written from the entry marked
    ``primary`` or else the first one;
``urn:...:attr``
    an attribute of an extension schema.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Flag, auto
from typing import Any

from scimbridge.scim.schema import AttributeType, Returned, Uniqueness


class Direction(Flag):
    """The conversions a row takes part in."""

    READ = auto()
    """target to SCIM"""
    WRITE = auto()
    """SCIM to target"""
    BOTH = READ | WRITE


class TargetSpec:
    """The rule by which a row reads its value from a target object and writes it back."""

    fields: tuple[str, ...] = ()
    """The target fields the spec reads or writes, for documentation."""

    def read(self, target: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def write(self, value: Any) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Field(TargetSpec):
    """A target field copied as it is.

    A dotted name such as ``default-address.city`` reaches into nested target
    objects. Writing it yields the nested object, and the engine merges that
    with what other rows write into the same object.
    """

    name: str

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.name,)

    def read(self, target: Mapping[str, Any]) -> Any:
        return read_dotted(target, self.name)

    def write(self, value: Any) -> dict[str, Any]:
        return write_dotted(self.name, value)

    def describe(self) -> str:
        return self.name


@dataclass(frozen=True)
class Each(TargetSpec):
    """One key of every object in a target list, such as the ``id`` of each of a user's ``roles``.

    Reading returns the list of values; writing a list of values yields the
    target list of objects carrying that key, e.g. ``[{"id": 3}, {"id": 4}]``.
    ``convert`` turns each target value into its SCIM form (for example ids
    into strings) and ``revert`` turns it back.
    """

    list_name: str
    key: str
    convert: Callable[[Any], Any] | None = None
    revert: Callable[[Any], Any] | None = None

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (f"{self.list_name}[].{self.key}",)

    def read(self, target: Mapping[str, Any]) -> Any:
        entries = read_dotted(target, self.list_name)
        if not isinstance(entries, list):
            return None
        values = [entry.get(self.key) for entry in entries if isinstance(entry, Mapping)]
        present = [value for value in values if value is not None]
        return [self.convert(value) for value in present] if self.convert else present

    def write(self, value: Any) -> dict[str, Any]:
        values = as_list(value)
        if self.revert is not None:
            values = [self.revert(item) for item in values]
        return write_dotted(self.list_name, [{self.key: item} for item in values])

    def describe(self) -> str:
        return f"{self.list_name}[].{self.key}"


def as_list(value: Any) -> list[Any]:
    """Return a written value as a list: itself, ``[]`` for None, else a one-item list."""
    if isinstance(value, list):
        return value
    if value is None:
        return []
    return [value]


def read_dotted(target: Mapping[str, Any], dotted: str) -> Any:
    """Read ``a.b.c`` from nested mappings; ``None`` when any step is missing."""
    value: Any = target
    for part in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def write_dotted(dotted: str, value: Any) -> dict[str, Any]:
    """Build the nested mapping that sets ``a.b.c`` to ``value``."""
    parts = dotted.split(".")
    nested: dict[str, Any] = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        nested = {part: nested}
    return nested


@dataclass(frozen=True)
class Concat(TargetSpec):
    """Target fields joined by a separator; read-only, like the seed's firstName+" "+lastName.

    Empty or missing parts are skipped, so a user with no last name does not
    get a trailing space.
    """

    names: tuple[str, ...]
    separator: str = " "

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.names

    def read(self, target: Mapping[str, Any]) -> Any:
        parts = [str(target[name]) for name in self.names if target.get(name)]
        return self.separator.join(parts) or None

    def write(self, value: Any) -> dict[str, Any]:
        raise TypeError("a concatenation cannot be written back")

    def describe(self) -> str:
        joiner = f' + "{self.separator}" + '
        return joiner.join(self.names)


@dataclass(frozen=True)
class Const(TargetSpec):
    """A constant the gateway adds on read, such as ``type: "work"`` on the one email."""

    value: Any

    def read(self, target: Mapping[str, Any]) -> Any:
        return self.value

    def write(self, value: Any) -> dict[str, Any]:
        return {}

    def describe(self) -> str:
        return f"constant {self.value!r}"


@dataclass(frozen=True)
class Reference(TargetSpec):
    """A ``$ref`` to another resource, which the SCIM edge fills in from ``value``.

    It reads nothing from the target and writes nothing to it; the row exists
    so the schema publishes the sub-attribute with its reference type.
    """

    resource_type: str

    def read(self, target: Mapping[str, Any]) -> Any:
        return None

    def write(self, value: Any) -> dict[str, Any]:
        return {}

    def describe(self) -> str:
        return f"URI of the {self.resource_type}"


@dataclass(frozen=True)
class Computed(TargetSpec):
    """A value computed by connector code in both directions."""

    names: tuple[str, ...]
    reader: Callable[[Mapping[str, Any]], Any]
    writer: Callable[[Any], dict[str, Any]] | None = None
    text: str = ""

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return self.names

    def read(self, target: Mapping[str, Any]) -> Any:
        return self.reader(target)

    def write(self, value: Any) -> dict[str, Any]:
        if self.writer is None:
            raise TypeError("this computed value cannot be written back")
        return self.writer(value)

    def describe(self) -> str:
        return self.text or ", ".join(self.names)


@dataclass(frozen=True)
class Row:
    """One mapping row.

    ``scim`` is the SCIM path (see the module docstring), and ``target`` the
    target field or expression. ``required`` means a create or replace must
    carry a value.
    """

    scim: str
    target: TargetSpec
    direction: Direction = Direction.BOTH
    type: AttributeType = AttributeType.STRING
    required: bool = False
    case_exact: bool = False
    uniqueness: Uniqueness = Uniqueness.NONE
    returned: Returned = Returned.DEFAULT
    description: str = ""
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    source: str = ""
    """The origin of the row, shown in the mapping documentation, such as the
    Starling Connect mapping table it reproduces."""
    clear_when_absent: bool = True
    """Whether a replace that omits the attribute clears the target field.

    False for values the target always has, such as GoTo's user status, which
    a client that leaves ``active`` out of a PUT does not mean to change.
    """

    @property
    def readable(self) -> bool:
        return Direction.READ in self.direction

    @property
    def writable(self) -> bool:
        return Direction.WRITE in self.direction and not isinstance(self.target, Concat)
