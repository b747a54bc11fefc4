"""Schema definitions derived from mapping rows, for ``/Schemas`` and validation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scimbridge.mapping.engine import RowPath, parse_row_path
from scimbridge.mapping.rows import Direction, Row
from scimbridge.scim.schema import (
    AttributeDef,
    AttributeType,
    Mutability,
    Returned,
    SchemaDef,
)

# Common attributes of RFC 7643 §3.1 live outside every schema's attribute list.
_COMMON = {"id", "externalid", "meta", "schemas"}


@dataclass
class _Node:
    name: str
    multi: bool = False
    row: Row | None = None
    children: dict[str, _Node] = field(default_factory=dict)


def schema_from_rows(schema_id: str, name: str, description: str, rows: Sequence[Row]) -> SchemaDef:
    """Build the schema ``schema_id`` from the rows that belong to it.

    A row belongs to the schema when its path carries that URN, or carries no
    URN and ``schema_id`` is the core schema (the caller passes only the rows it
    wants in the schema). Rows that only read a constant or a computed value
    still publish the attribute, as read-only.
    """
    roots: dict[str, _Node] = {}
    for row in rows:
        path = parse_row_path(row.scim)
        if path.attr.lower() in _COMMON and path.urn is None:
            continue
        _insert(roots, path, row)

    attributes = tuple(_to_attribute(node) for node in roots.values())
    return SchemaDef(id=schema_id, name=name, description=description, attributes=attributes)


def rows_for_schema(rows: Sequence[Row], schema_id: str, core_schema: str) -> list[Row]:
    """Select the rows whose path belongs to ``schema_id``."""
    selected = []
    for row in rows:
        urn = parse_row_path(row.scim).urn
        owner = (urn or core_schema).lower()
        if owner == schema_id.lower():
            selected.append(row)
    return selected


def _insert(roots: dict[str, _Node], path: RowPath, row: Row) -> None:
    node = roots.setdefault(path.attr, _Node(path.attr))
    node.multi = node.multi or path.multi
    if path.sub is None:
        node.row = node.row or row
        return
    child = node.children.setdefault(path.sub, _Node(path.sub))
    child.row = child.row or row


def _to_attribute(node: _Node) -> AttributeDef:
    if not node.children:
        assert node.row is not None
        return _leaf(node.name, node.row, multi=node.multi)

    subs = tuple(_to_attribute(child) for child in node.children.values())
    mutability = _parent_mutability(subs)
    required = node.row.required if node.row else any(sub.required for sub in subs)
    description = node.row.description if node.row else ""
    return AttributeDef(
        name=node.name,
        type=AttributeType.COMPLEX,
        multi_valued=node.multi,
        description=description,
        required=required,
        mutability=mutability,
        returned=_parent_returned(subs),
        sub_attributes=subs,
    )


def _leaf(name: str, row: Row, *, multi: bool) -> AttributeDef:
    return AttributeDef(
        name=name,
        type=row.type,
        multi_valued=multi,
        description=row.description or f"Maps to the target's {row.target.describe()}.",
        required=row.required,
        case_exact=row.case_exact,
        mutability=_mutability(row),
        returned=row.returned,
        uniqueness=row.uniqueness,
        canonical_values=row.canonical_values,
        reference_types=row.reference_types,
    )


def _mutability(row: Row) -> Mutability:
    if not row.writable:
        return Mutability.READ_ONLY
    if row.direction == Direction.WRITE:
        return Mutability.WRITE_ONLY
    return Mutability.READ_WRITE


def _parent_returned(subs: Sequence[AttributeDef]) -> Returned:
    """Return ``request`` for a complex attribute whose sub-attributes all have it."""
    if subs and all(sub.returned is Returned.REQUEST for sub in subs):
        return Returned.REQUEST
    return Returned.DEFAULT


def _parent_mutability(subs: Sequence[AttributeDef]) -> Mutability:
    kinds = {sub.mutability for sub in subs}
    if kinds == {Mutability.READ_ONLY}:
        return Mutability.READ_ONLY
    if kinds == {Mutability.WRITE_ONLY}:
        return Mutability.WRITE_ONLY
    return Mutability.READ_WRITE
