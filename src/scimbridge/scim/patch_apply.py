"""Apply parsed PATCH operations to a resource held as a JSON dictionary (RFC 7644 §3.5.2).

The operations come from :func:`scimbridge.scim.patch.parse_patch_request`, which
resolved their paths and coerced their values; the Entra ID and Okta variations it
accepts are listed there. The resource is never changed in place.
"""

from __future__ import annotations

import copy
from typing import Any

from scim2_models.path import (
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
)

from ..errors import (
    InvalidValue,
    Mutability,
    NoTarget,
)
from .attrpath import (
    ResolvedAttribute,
    delete_value,
    find_key,
    get_value,
    is_present,
    make_reader,
    resolve_top_level,
    set_value,
)
from .patch import (
    ECHOED_ATTRIBUTES,
    OperationName,
    PatchOperation,
    PatchPath,
)
from .patch_read_only import Derive, check_read_only_writes
from .schema import AttributeDef, AttributeType, ResourceTypeDef, SchemaDef
from .schema import Mutability as MutabilityRule


def apply_operations(
    resource: dict[str, Any],
    operations: list[PatchOperation],
    rtype: ResourceTypeDef,
    *,
    derive: Derive | None = None,
) -> dict[str, Any]:
    """Apply parsed operations in order and return the patched copy of ``resource``.

    The input is never changed. Raises Mutability for a change to an immutable
    attribute that already has a value, NoTarget for a replace whose value filter
    matches nothing, and InvalidValue when a required attribute ends up removed.
    Writes of read-only attributes change nothing; ``check_read_only_writes``
    raises Mutability unless each repeats the current value or the value
    ``derive`` computes from the patched resource.
    """
    result = copy.deepcopy(resource)
    read_only_writes: list[PatchOperation] = []

    for operation in operations:
        if operation.read_only:
            read_only_writes.append(operation)
        elif operation.path is None:
            _apply_pathless(result, operation, rtype)
        elif operation.op == "remove":
            _remove(result, operation.path, operation.value)
        elif operation.value is None:
            _remove(result, operation.path, None)
        else:
            _assign(result, operation.path, operation.op, operation.value)

    _check_required(resource, result, rtype)
    check_read_only_writes(resource, result, read_only_writes, derive)
    return result


def _apply_pathless(
    result: dict[str, Any], operation: PatchOperation, rtype: ResourceTypeDef
) -> None:
    for key, value in operation.value.items():
        if key == "schemas":
            continue

        if key.lower() in ECHOED_ATTRIBUTES:
            if value != get_value(result, key):
                raise Mutability(
                    f"{key} is read-only: the PATCH sends {repr(value)[:80]}, the resource has "
                    f"{get_value(result, key)!r}. Repeat the current value or leave {key} out."
                )
            continue

        extension = rtype.extension(key)
        if extension is not None:
            _apply_extension(result, extension, operation.op, value)
            continue

        found = resolve_top_level(rtype, None, key)
        assert found is not None, f"{key!r} was resolved when the operation was parsed"
        schema, attribute, _ = found
        _assign_or_remove(result, PatchPath(schema, attribute, False), operation.op, value)


def _apply_extension(
    result: dict[str, Any], extension: SchemaDef, op: OperationName, value: Any
) -> None:
    if value is None:
        _remove(result, PatchPath(extension, None, True), None)
        return

    for name, item in value.items():
        attribute = extension.attribute(name)
        assert attribute is not None, f"{name!r} was resolved when the operation was parsed"
        _assign_or_remove(result, PatchPath(extension, attribute, True), op, item)


def _assign_or_remove(
    result: dict[str, Any], path: PatchPath, op: OperationName, value: Any
) -> None:
    if value is None:
        _remove(result, path, None)
    else:
        _assign(result, path, op, value)


def _holder(result: dict[str, Any], path: PatchPath, *, create: bool) -> dict[str, Any] | None:
    """Return the dictionary containing the path's attribute, creating an extension object."""
    if not path.extension:
        return result

    key = find_key(result, path.schema.id)
    holder = result[key] if key is not None else None
    if isinstance(holder, dict) or not create:
        return holder if isinstance(holder, dict) else None

    holder = {}
    set_value(result, path.schema.id, holder)
    schemas = result.get("schemas")
    if isinstance(schemas, list) and path.schema.id.lower() not in _lowered(schemas):
        schemas.append(path.schema.id)
    return holder


def _drop_empty_extension(result: dict[str, Any], schema: SchemaDef) -> None:
    """Remove an empty extension object, and its URN from ``schemas``."""
    key = find_key(result, schema.id)
    if key is not None and is_present(result[key]):
        return
    if key is not None:
        del result[key]
    schemas = result.get("schemas")
    if isinstance(schemas, list):
        result["schemas"] = [
            urn
            for urn in schemas
            if not (isinstance(urn, str) and urn.lower() == schema.id.lower())
        ]


def _lowered(values: list[Any]) -> set[str]:
    return {value.lower() for value in values if isinstance(value, str)}


def _assign(result: dict[str, Any], path: PatchPath, op: OperationName, value: Any) -> None:
    """Apply an add or replace with a non-null value."""
    attribute = path.attribute
    assert attribute is not None
    holder = _holder(result, path, create=True)
    assert holder is not None
    current = copy.deepcopy(get_value(holder, attribute.name))
    label = path.top_level_name

    new: Any
    if path.value_filter is not None:
        new = _assign_selected(path, op, value, current, label)
    elif path.sub_attribute is not None:
        new = _assign_sub_attribute(path, value, current, label)
    elif attribute.multi_valued:
        entries = copy.deepcopy(value)
        if op == "add":
            entries = _add_entries(current, entries, attribute, label)
        _check_immutable(attribute, current, entries, label)
        new = entries
    elif attribute.type is AttributeType.COMPLEX:
        new = current if isinstance(current, dict) else {}
        _merge_entry(new, value, attribute, label)
    else:
        _check_immutable(attribute, current, value, label)
        new = copy.deepcopy(value)

    _store(result, holder, path, new)


def _store(result: dict[str, Any], holder: dict[str, Any], path: PatchPath, new: Any) -> None:
    """Store a new attribute value, dropping it when it ends up empty."""
    assert path.attribute is not None
    if is_present(new):
        if path.attribute.multi_valued:
            _keep_one_primary(new, get_value(holder, path.attribute.name))
        set_value(holder, path.attribute.name, new)
    else:
        delete_value(holder, path.attribute.name)
    if path.extension:
        _drop_empty_extension(result, path.schema)


def _assign_sub_attribute(path: PatchPath, value: Any, current: Any, label: str) -> Any:
    """Set a sub-attribute without a filter: on the complex value, or on every entry.

    A multi-valued attribute with no entries gets one entry holding the sub-attribute.
    """
    attribute, sub = path.attribute, path.sub_attribute
    assert attribute is not None
    assert sub is not None
    patch = {sub.name: value}

    if not attribute.multi_valued:
        new = current if isinstance(current, dict) else {}
        _merge_entry(new, patch, attribute, label)
        return new

    entries = current if isinstance(current, list) and current else [{}]
    for entry in entries:
        if isinstance(entry, dict):
            _merge_entry(entry, patch, attribute, label)
    return entries


def _assign_selected(
    path: PatchPath, op: OperationName, value: Any, current: Any, label: str
) -> list[Any]:
    """Apply an add or replace to the entries a value filter selects.

    Selected complex entries are merged with the value, so sub-attributes the value
    leaves out keep their values, as RFC 7644 §3.5.2.3 specifies for complex values.
    When nothing matches, a sub-attribute path or an add creates an entry from the
    filter's ``eq`` terms. A replace of whole entries raises NoTarget, as the RFC
    requires.
    """
    attribute = path.attribute
    assert attribute is not None
    assert path.entry_filter is not None
    entries = list(current) if isinstance(current, list) else []
    selected = [index for index, entry in enumerate(entries) if path.entry_filter(entry)]
    patch = {path.sub_attribute.name: value} if path.sub_attribute is not None else value
    complex_entries = attribute.type is AttributeType.COMPLEX

    if not selected:
        created = _entry_from_filter(path) if complex_entries else None
        if created is None or (op == "replace" and path.sub_attribute is None):
            raise NoTarget(
                f"The filter {str(path.value_filter)!r} matches no entry of {label}, so there "
                "is nothing to replace. Use add to create the entry."
            )
        _merge_entry(created, patch, attribute, label)
        entries.append(created)
        return entries

    for index in selected:
        if complex_entries:
            _merge_entry(entries[index], patch, attribute, label)
        else:
            entries[index] = copy.deepcopy(value)
    return entries


def _entry_from_filter(path: PatchPath) -> dict[str, Any] | None:
    """Build a new entry from a filter made only of ``eq`` terms joined by ``and``."""
    assert path.attribute is not None
    node = path.value_filter
    terms: tuple[FilterNode, ...] = ()
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
        terms = node.terms
    elif node is not None:
        terms = (node,)

    entry: dict[str, Any] = {}
    for term in terms:
        if not (isinstance(term, Comparison) and term.op == CompareOperator.eq):
            return None
        sub = path.attribute.sub_attribute(term.attr_path.attr)
        if sub is None or term.value is None:
            return None
        entry[sub.name] = term.value
    return entry


def _merge_entry(
    entry: dict[str, Any], patch: dict[str, Any], attribute: AttributeDef, label: str
) -> None:
    """Merge sub-attribute values into a complex value. A None value removes the sub-attribute."""
    for name, value in patch.items():
        sub = attribute.sub_attribute(name)
        assert sub is not None
        current = get_value(entry, sub.name)
        _check_immutable(sub, current, value, f"{label}.{sub.name}")
        if value is None:
            delete_value(entry, sub.name)
        else:
            set_value(entry, sub.name, copy.deepcopy(value))


def _check_immutable(definition: AttributeDef, current: Any, new: Any, label: str) -> None:
    if definition.mutability is not MutabilityRule.IMMUTABLE:
        return
    if is_present(current) and current != new:
        raise Mutability(
            f"{label} is immutable and already has a value, so it cannot be changed or removed."
        )


def _add_entries(
    current: Any, new_entries: list[Any], attribute: AttributeDef, label: str
) -> list[Any]:
    """Append the entries not already present. A repeated complex entry is merged instead."""
    entries = list(current) if isinstance(current, list) else []
    for item in new_entries:
        index = _find_entry(entries, item, attribute)
        if index is None:
            entries.append(item)
        elif isinstance(item, dict) and isinstance(entries[index], dict):
            _merge_entry(entries[index], item, attribute, label)
    return entries


def _find_entry(entries: list[Any], item: Any, attribute: AttributeDef) -> int | None:
    """Return the index of the entry ``item`` repeats, or None.

    Complex entries with a ``value`` are the same entry when their values are equal
    and their ``type`` agrees where both have one, so adding a member twice keeps
    one member. Other entries must be equal.
    """
    value_sub = attribute.sub_attribute("value")
    if attribute.type is AttributeType.COMPLEX and value_sub is not None and isinstance(item, dict):
        wanted = get_value(item, "value")
        if wanted is not None:
            for index, entry in enumerate(entries):
                if _same_value(get_value(entry, "value"), wanted, value_sub) and _same_type(
                    entry, item
                ):
                    return index
            return None

    for index, entry in enumerate(entries):
        if _same_value(entry, item, attribute):
            return index
    return None


def _same_value(left: Any, right: Any, definition: AttributeDef) -> bool:
    if isinstance(left, str) and isinstance(right, str) and not definition.case_exact:
        return left.casefold() == right.casefold()
    return bool(left == right)


def _same_type(entry: Any, item: dict[str, Any]) -> bool:
    left, right = get_value(entry, "type"), get_value(item, "type")
    if left is None or right is None:
        return True
    return str(left).casefold() == str(right).casefold()


def _keep_one_primary(entries: list[Any], previous: Any) -> None:
    """Leave at most one entry with ``"primary": true`` (RFC 7643 §2.4).

    The entry this operation made primary wins. The entries that were primary
    before the operation lose the flag.
    """
    primaries = [
        entry
        for entry in entries
        if isinstance(entry, dict) and get_value(entry, "primary") is True
    ]
    if len(primaries) < 2:
        return

    before = previous if isinstance(previous, list) else []
    was_primary = [
        entry for entry in before if isinstance(entry, dict) and get_value(entry, "primary") is True
    ]
    fresh = [entry for entry in primaries if not any(entry == old for old in was_primary)]
    winner = fresh[-1] if fresh else primaries[0]
    for entry in primaries:
        if entry is not winner:
            set_value(entry, "primary", False)


def _remove(result: dict[str, Any], path: PatchPath, values: Any) -> None:
    """Remove the path's target.

    ``values`` lists the entries to remove from a bare multi-valued path.
    """
    if path.attribute is None:
        key = find_key(result, path.schema.id)
        if key is not None:
            del result[key]
        _drop_empty_extension(result, path.schema)
        return

    holder = _holder(result, path, create=False)
    if holder is None:
        return
    attribute = path.attribute
    current = copy.deepcopy(get_value(holder, attribute.name))
    label = path.top_level_name
    if current is None:
        return

    if path.value_filter is not None:
        new = _remove_selected(path, current, label)
    elif path.sub_attribute is not None:
        new = _remove_sub_attribute(path, current, label)
    elif values is not None and isinstance(current, list):
        new = [entry for entry in current if _find_entry(values, entry, attribute) is None]
        _check_immutable(attribute, current, new, label)
    else:
        _check_immutable(attribute, current, None, label)
        new = None

    _store(result, holder, path, new)


def _remove_selected(path: PatchPath, current: Any, label: str) -> Any:
    attribute = path.attribute
    assert attribute is not None
    assert path.entry_filter is not None
    if not isinstance(current, list):
        return current

    selected = [entry for entry in current if path.entry_filter(entry)]
    if path.sub_attribute is None:
        remaining = [entry for entry in current if not path.entry_filter(entry)]
        _check_immutable(attribute, current, remaining, label)
        return remaining

    for entry in selected:
        if isinstance(entry, dict):
            _merge_entry(entry, {path.sub_attribute.name: None}, attribute, label)
    return [entry for entry in current if is_present(entry)]


def _remove_sub_attribute(path: PatchPath, current: Any, label: str) -> Any:
    attribute, sub = path.attribute, path.sub_attribute
    assert attribute is not None
    assert sub is not None
    entries = current if isinstance(current, list) else [current]
    for entry in entries:
        if isinstance(entry, dict):
            _merge_entry(entry, {sub.name: None}, attribute, label)
    if isinstance(current, list):
        return [entry for entry in current if is_present(entry)]
    return current


def _check_required(before: dict[str, Any], after: dict[str, Any], rtype: ResourceTypeDef) -> None:
    """Raise InvalidValue when the operations removed a required attribute the resource had."""
    for schema in rtype.schemas():
        for attribute in schema.attributes:
            if not attribute.required:
                continue
            resolved = ResolvedAttribute(schema, attribute, None, schema is not rtype.schema)
            read = make_reader(resolved)
            if is_present(read(before)) and not is_present(read(after)):
                raise InvalidValue(
                    f"{resolved} is required and cannot be removed. Replace it with a new value."
                )
