"""Conversion between SCIM resources and target objects, driven by mapping rows."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scimbridge.errors import InvalidValue
from scimbridge.mapping.rows import Const, Row

_ROW_PATH = re.compile(
    r"^(?P<attr>[A-Za-z$][\w$-]*)(?P<index>\[\d*\])?(?:\.(?P<sub>[A-Za-z$][\w$-]*))?$"
)


@dataclass(frozen=True)
class RowPath:
    """A parsed mapping-row path."""

    urn: str | None
    attr: str
    sub: str | None
    multi: bool
    """True for ``attr[].sub`` and ``attr[0].sub``."""
    single_entry: bool
    """True for ``attr[0].sub``: the target keeps one entry only."""


def parse_row_path(path: str) -> RowPath:
    """Parse a row path such as ``emails[0].value`` or ``urn:...:User:employeeNumber``."""
    urn: str | None = None
    local = path
    if path.lower().startswith("urn:"):
        urn, _, local = path.rpartition(":")

    match = _ROW_PATH.match(local)
    if match is None:
        raise ValueError(f"invalid mapping row path {path!r}")

    index = match["index"]
    return RowPath(
        urn=urn,
        attr=match["attr"],
        sub=match["sub"],
        multi=index is not None,
        single_entry=index == "[0]",
    )


class Mapper:
    """Converts one resource type between its SCIM and target forms."""

    def __init__(self, rows: Sequence[Row], core_schema: str) -> None:
        self.rows = tuple(rows)
        self.core_schema = core_schema
        self._paths = {row.scim: parse_row_path(row.scim) for row in self.rows}

    def path(self, row: Row) -> RowPath:
        return self._paths[row.scim]

    def to_scim(self, target: Mapping[str, Any]) -> dict[str, Any]:
        """Build the SCIM representation (without ``meta``) of a target object."""
        resource: dict[str, Any] = {}
        for row in self.rows:
            if not row.readable:
                continue
            value = row.target.read(target)
            if value is None or value == [] or value == "":
                continue
            path = self.path(row)
            if isinstance(row.target, Const) and path.multi:
                # A constant such as members[].type describes entries that other
                # rows create; it never creates an entry of its own.
                self._stamp(resource, path, value)
                continue
            self._place(resource, path, value)
        return resource

    def to_target(
        self, resource: Mapping[str, Any], *, clear_absent: bool = False
    ) -> dict[str, Any]:
        """Build the target fields carried by a SCIM resource.

        By default only fields whose SCIM attributes are present are returned,
        so the result serves as a partial update. With ``clear_absent`` (a
        replace, or the result of a PATCH) an absent attribute clears its
        target field, unless its row sets ``clear_when_absent`` to False. Two rows that map to the
        same target field must agree, or the request is rejected: the target
        keeps one value where SCIM offers two.
        """
        fields: dict[str, Any] = {}
        sources: dict[str, str] = {}
        for row in self.rows:
            if not row.writable:
                continue
            found, value = self.extract(resource, row)
            if not found:
                if not (clear_absent and row.clear_when_absent):
                    continue
                value = None
            _merge(fields, sources, row.target.write(value), row.scim, prefix="")
        return fields

    def missing_required(self, resource: Mapping[str, Any]) -> list[str]:
        """Name the required attributes a create or replace lacks."""
        missing = []
        for row in self.rows:
            if not row.required:
                continue
            found, value = self.extract(resource, row)
            if not found or value in (None, "", []):
                missing.append(row.scim)
        return missing

    def extract(self, resource: Mapping[str, Any], row: Row) -> tuple[bool, Any]:
        """Read the value a row maps from a SCIM resource: (present, value)."""
        path = self.path(row)
        container = _scope(resource, path.urn, self.core_schema)
        if container is None:
            return False, None

        raw = _get_ci(container, path.attr)
        if raw is None:
            return False, None

        if path.multi:
            entries = [entry for entry in _as_list(raw) if isinstance(entry, Mapping)]
            if path.single_entry:
                chosen = _primary_or_first(entries)
                if chosen is None:
                    return False, None
                return _present(chosen, path.sub)
            values = [_get_ci(entry, path.sub) if path.sub else entry for entry in entries]
            return True, [value for value in values if value is not None]

        if path.sub:
            if not isinstance(raw, Mapping):
                return False, None
            return _present(raw, path.sub)
        return True, raw

    def _stamp(self, resource: dict[str, Any], path: RowPath, value: Any) -> None:
        container = resource
        if path.urn and path.urn.lower() != self.core_schema.lower():
            container = resource.get(path.urn, {})
        entries = container.get(path.attr)
        if not isinstance(entries, list) or path.sub is None:
            return
        for entry in entries[:1] if path.single_entry else entries:
            entry[path.sub] = value

    def _place(self, resource: dict[str, Any], path: RowPath, value: Any) -> None:
        container = resource
        if path.urn and path.urn.lower() != self.core_schema.lower():
            container = resource.setdefault(path.urn, {})

        if not path.multi:
            if path.sub:
                container.setdefault(path.attr, {})[path.sub] = value
            else:
                container[path.attr] = value
            return

        entries: list[dict[str, Any]] = container.setdefault(path.attr, [])
        values = [value] if path.single_entry or not isinstance(value, list) else value
        for index, item in enumerate(values):
            if index == len(entries):
                entries.append({})
            if path.sub:
                entries[index][path.sub] = item
            elif isinstance(item, Mapping):
                entries[index].update(item)


def _merge(
    fields: dict[str, Any],
    sources: dict[str, str],
    written: Mapping[str, Any],
    scim_path: str,
    *,
    prefix: str,
) -> None:
    """Merge the fields one row wrote into ``fields``, nested objects key by key.

    Two rows that write different values to the same target field conflict:
    the target keeps one value where SCIM offers two.
    """
    for name, value in written.items():
        dotted = prefix + name
        current = fields.get(name)
        if isinstance(current, dict) and isinstance(value, Mapping):
            _merge(current, sources, value, scim_path, prefix=dotted + ".")
            continue
        if name in fields and current != value:
            raise InvalidValue(
                f"{sources[dotted]} is {current!r} but {scim_path} is {value!r}; the "
                "target keeps one value for both, so send the same value or only one of them"
            )
        fields[name] = dict(value) if isinstance(value, Mapping) else value
        sources[dotted] = scim_path
        if isinstance(value, Mapping):
            _record_sources(sources, value, scim_path, prefix=dotted + ".")


def _record_sources(
    sources: dict[str, str], written: Mapping[str, Any], scim_path: str, *, prefix: str
) -> None:
    for name, value in written.items():
        sources[prefix + name] = scim_path
        if isinstance(value, Mapping):
            _record_sources(sources, value, scim_path, prefix=prefix + name + ".")


def _scope(
    resource: Mapping[str, Any], urn: str | None, core_schema: str
) -> Mapping[str, Any] | None:
    if urn is None or urn.lower() == core_schema.lower():
        return resource
    extension = _get_ci(resource, urn)
    return extension if isinstance(extension, Mapping) else None


def _get_ci(container: Mapping[str, Any], name: str) -> Any:
    if name in container:
        return container[name]
    wanted = name.lower()
    for key, value in container.items():
        if key.lower() == wanted:
            return value
    return None


def _present(container: Mapping[str, Any], name: str | None) -> tuple[bool, Any]:
    if name is None:
        return True, container
    value = _get_ci(container, name)
    return (value is not None), value


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _primary_or_first(entries: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    first: Mapping[str, Any] | None = None
    for entry in entries:
        if first is None:
            first = entry
        if _get_ci(entry, "primary") is True:
            return entry
    return first
