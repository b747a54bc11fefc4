"""Reading of the changes a list of PATCH operations makes, without the current resource.

Connectors use these functions to route operations to the target calls that
serve them: a group PATCH that adds one member becomes one membership call,
with no read of the member list.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
)

from ..errors import (
    InvalidFilter,
    InvalidPath,
    InvalidValue,
)
from .attrpath import (
    find_key,
    get_value,
)
from .patch import (
    IGNORED_KEYS,
    PatchOperation,
    PatchPath,
)


def touched_attributes(operation: PatchOperation) -> frozenset[str]:
    """Return the lower-case top-level names an operation changes.

    Extension attributes are qualified by their schema URN, as in
    ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager``. A path
    naming a whole extension yields the extension's URN. The ``schemas``, ``id`` and
    ``meta`` keys of a path-less operation are left out, because applying the
    operation only accepts them unchanged.
    """
    if operation.path is not None:
        return frozenset({operation.path.top_level_name.lower()})

    names: set[str] = set()
    for key, value in operation.value.items():
        if key in IGNORED_KEYS:
            continue
        if key.lower().startswith("urn:") and isinstance(value, dict):
            names.update(f"{key}:{name}".lower() for name in value)
        else:
            names.add(key.lower())
    return frozenset(names)


def operation_touches(operation: PatchOperation) -> str:
    """Return the lower-case top-level name an operation changes, URN-qualified for extensions.

    A path-less operation that changes several attributes returns ``""``, meaning
    the whole resource, and ``touched_attributes`` lists them.
    """
    names = touched_attributes(operation)
    return next(iter(names)) if len(names) == 1 else ""


def member_changes(
    operations: list[PatchOperation], attr: str = "members"
) -> tuple[set[str], set[str], set[str] | None]:
    """Compute the member ids a PATCH adds and removes, without reading the current members.

    Returns ``(added, removed, replaced_all)``. When ``replaced_all`` is None, the new
    members are the current ones plus ``added`` minus ``removed``. When it is a set,
    an operation replaced or removed every member, ``replaced_all`` is the complete
    new member list, and ``added`` and ``removed`` are empty. Operations on other
    attributes are ignored.

    Raises InvalidFilter for a member filter that is not ``value eq "<id>"`` terms
    joined by ``or``, and InvalidPath for a change to a sub-attribute of members or
    an add or replace with a filter, which ids cannot express.
    """
    wanted = attr.lower()
    changes = _MemberChanges()

    for operation in operations:
        if operation.path is None:
            key = find_key(operation.value, attr)
            if key is None:
                continue
            value = operation.value[key]
            if operation.op == "replace" or value is None:
                changes.replace(_member_ids(value))
            else:
                changes.add(_member_ids(value))
            continue

        path = operation.path
        if path.extension or path.attribute is None or path.attribute.name.lower() != wanted:
            continue
        changes.apply(operation, path)

    return changes.added, changes.removed, changes.replaced_all


@dataclass
class _MemberChanges:
    added: set[str] = field(default_factory=set)
    removed: set[str] = field(default_factory=set)
    replaced_all: set[str] | None = None

    def apply(self, operation: PatchOperation, path: PatchPath) -> None:
        if path.sub_attribute is not None:
            raise InvalidPath(
                f"The path {operation.raw_path!r} changes a sub-attribute of members, "
                "which cannot be expressed as member ids."
            )

        if operation.op == "remove":
            if path.value_filter is not None:
                self.remove(_filter_member_ids(path.value_filter))
            elif operation.value is not None:
                self.remove(_member_ids(operation.value))
            else:
                self.replace(set())
            return

        if path.value_filter is not None:
            raise InvalidPath(
                f"The path {operation.raw_path!r} {operation.op}s members through a filter. "
                "Add members with the path 'members' and a list of {'value': id} objects."
            )
        if operation.value is None or operation.op == "replace":
            self.replace(_member_ids(operation.value))
        else:
            self.add(_member_ids(operation.value))

    def add(self, ids: set[str]) -> None:
        if self.replaced_all is not None:
            self.replaced_all |= ids
            return
        self.added |= ids
        self.removed -= ids

    def remove(self, ids: set[str]) -> None:
        if self.replaced_all is not None:
            self.replaced_all -= ids
            return
        self.removed |= ids
        self.added -= ids

    def replace(self, ids: set[str]) -> None:
        self.replaced_all = set(ids)
        self.added.clear()
        self.removed.clear()


def _member_ids(value: Any) -> set[str]:
    if value is None:
        return set()
    ids: set[str] = set()
    for entry in value if isinstance(value, list) else [value]:
        member_id = get_value(entry, "value")
        if not isinstance(member_id, str) or not member_id:
            raise InvalidValue(f"The member {entry!r} has no 'value' with the member's id.")
        ids.add(member_id)
    return ids


def _filter_member_ids(node: FilterNode) -> set[str]:
    """Read the ids out of ``value eq "a"`` or ``value eq "a" or value eq "b"``."""
    terms = (
        node.terms if isinstance(node, LogicalExpr) and node.op == LogicalOperator.or_ else (node,)
    )
    ids: set[str] = set()
    for term in terms:
        if not (
            isinstance(term, Comparison)
            and term.op == CompareOperator.eq
            and term.attr_path.attr.lower() == "value"
            and term.attr_path.sub_attr is None
            and isinstance(term.value, str)
        ):
            raise InvalidFilter(
                f"The member filter {str(node)!r} cannot be turned into member ids. "
                'Use members[value eq "<id>"], joining several ids with or.'
            )
        ids.add(term.value)
    return ids
