"""Parse SCIM PATCH requests and apply them to resources held as JSON dictionaries.

``parse_patch_request`` checks a PatchOp message against a resource type and turns it
into ``PatchOperation`` objects whose paths are resolved and whose values are coerced
to the attribute types. ``apply_operations`` then applies them with the semantics of
RFC 7644 §3.5.2. Both accept the variations real clients send:

- operation names in any case (``Add``, ``Replace``, ``Remove``) and unknown keys in
  an operation, which are ignored;
- ``value`` as one object or a list of objects, for path-less operations and for
  multi-valued targets;
- the strings ``"True"``/``"False"`` (any case) for boolean attributes;
- a bare string for a complex attribute that has a ``value`` sub-attribute, as
  Microsoft Entra ID sends for ``manager``;
- a replace or add on ``emails[type eq "work"].value`` that matches no entry creates
  ``{"type": "work", "value": ...}``, as Microsoft Entra ID expects;
- a remove on ``members`` carrying a value array removes those members, as
  Microsoft Entra ID sends;
- a path-less operation carrying ``id``, ``schemas`` or ``meta`` with the current
  value, as Okta sends ``id``, leaves them untouched.

A null ``value`` in an add or replace removes the target, which is how clients clear
an attribute without a remove operation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from scim2_models import Path
from scim2_models.exceptions import SCIMException
from scim2_models.path import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
)

from ..errors import (
    InvalidFilter,
    InvalidPath,
    InvalidSyntax,
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
    parse_datetime,
    resolve_top_level,
    set_value,
)
from .filtering import compile_entry_filter
from .schema import AttributeDef, AttributeType, ResourceTypeDef, SchemaDef
from .schema import Mutability as MutabilityRule

PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

OperationName = Literal["add", "replace", "remove"]

_OPERATION_NAMES: dict[str, OperationName] = {
    "add": "add",
    "replace": "replace",
    "remove": "remove",
}

# Read-only attributes a client may echo back unchanged in a path-less operation.
_ECHOED_ATTRIBUTES = frozenset({"id", "meta"})
_IGNORED_KEYS = frozenset({"schemas", "id", "meta"})


@dataclass(frozen=True)
class PatchPath:
    """A PATCH path resolved against a resource type.

    ``attribute`` is None when the path names a whole extension schema by its URN.
    ``value_filter`` is the selection of a value path such as ``emails[type eq
    "work"]``, and ``entry_filter`` is that selection compiled to test one entry.
    """

    schema: SchemaDef
    attribute: AttributeDef | None
    extension: bool
    sub_attribute: AttributeDef | None = None
    value_filter: FilterNode | None = None
    entry_filter: Callable[[Any], bool] | None = field(default=None, compare=False, repr=False)

    @property
    def top_level_name(self) -> str:
        """The changed top-level name, qualified by the schema URN for extensions."""
        if self.attribute is None:
            return self.schema.id
        if self.extension:
            return f"{self.schema.id}:{self.attribute.name}"
        return self.attribute.name


@dataclass
class PatchOperation:
    """One operation of a PatchOp message, checked against the resource type.

    ``path`` is None for a path-less add or replace. Its ``value`` is then a
    dictionary keyed by canonical attribute names, where extension attributes sit
    under their schema URN and dotted or URN-qualified keys have been nested. For a
    path, ``value`` is coerced to the target's type: a list for a multi-valued
    target, or None for a remove without a value array. ``raw_path`` is the path as
    the client sent it.
    """

    op: OperationName
    path: PatchPath | None
    value: Any
    raw_path: str | None = None


def parse_patch_request(body: Any, rtype: ResourceTypeDef) -> list[PatchOperation]:
    """Check a PatchOp message and return its operations in order.

    Raises InvalidSyntax for a malformed message or operation, and InvalidPath for
    a path that does not parse or names an unknown attribute. Raises NoTarget for a
    remove without a path, InvalidValue for a value that does not fit its
    attribute, and Mutability for a change to a read-only attribute.
    """
    if not isinstance(body, dict):
        raise InvalidSyntax("The PATCH body must be a JSON object with 'schemas' and 'Operations'.")

    schemas = get_value(body, "schemas")
    if not isinstance(schemas, list) or not any(
        isinstance(urn, str) and urn.lower() == PATCH_OP_SCHEMA.lower() for urn in schemas
    ):
        raise InvalidSyntax(f"The PATCH body must list {PATCH_OP_SCHEMA!r} in 'schemas'.")

    operations = get_value(body, "Operations")
    if not isinstance(operations, list) or not operations:
        raise InvalidSyntax("The PATCH body must carry 'Operations', a non-empty list.")

    parsed: list[PatchOperation] = []
    for index, raw in enumerate(operations):
        parsed.extend(_parse_operation(index, raw, rtype))
    return parsed


def _parse_operation(index: int, raw: Any, rtype: ResourceTypeDef) -> list[PatchOperation]:
    """Parse one operation. A path-less one may yield several, see ``_pathless_operations``."""
    if not isinstance(raw, dict):
        raise InvalidSyntax(f"Operation {index} must be a JSON object with 'op', 'path', 'value'.")

    name = get_value(raw, "op")
    op = _OPERATION_NAMES.get(name.lower()) if isinstance(name, str) else None
    if op is None:
        raise InvalidSyntax(
            f"Operation {index} has the op {name!r}. Use 'add', 'replace' or 'remove'."
        )

    raw_path = get_value(raw, "path")
    if raw_path is not None and not isinstance(raw_path, str):
        raise InvalidPath(f"Operation {index} has the path {raw_path!r}, which is not a string.")
    raw_path = raw_path.strip() if raw_path else None
    has_value = find_key(raw, "value") is not None
    value = get_value(raw, "value")

    if raw_path is None:
        if op == "remove":
            raise NoTarget(
                f"Operation {index} is a remove without a path. Name the target in 'path'."
            )
        return _pathless_operations(index, op, value, None, rtype)

    path = resolve_patch_path(raw_path, rtype)
    if path is None or path.attribute is None:
        return _schema_operation(index, op, path, raw_path, value, rtype)

    _check_not_read_only(path)
    if op == "remove":
        return [PatchOperation(op, path, _removed_values(path, value), raw_path)]

    if not has_value:
        raise InvalidValue(f"Operation {index} ({op} {raw_path!r}) has no 'value'.")
    return [PatchOperation(op, path, _target_value(path, value), raw_path)]


def _schema_operation(
    index: int,
    op: OperationName,
    path: PatchPath | None,
    raw_path: str,
    value: Any,
    rtype: ResourceTypeDef,
) -> list[PatchOperation]:
    """Handle a path that is a schema URN: the core schema, or a whole extension."""
    if op == "remove":
        if path is None:
            raise NoTarget(
                f"Operation {index} removes {raw_path!r}, the whole resource. "
                "Name an attribute in 'path'."
            )
        return [PatchOperation(op, path, None, raw_path)]

    if path is not None:
        value = {path.schema.id: value}
    return _pathless_operations(index, op, value, raw_path, rtype)


def resolve_patch_path(raw_path: str, rtype: ResourceTypeDef) -> PatchPath | None:
    """Parse a PATCH path and resolve it against the resource type.

    Returns None for the core schema URN, which names the whole resource. Raises
    InvalidPath naming the path and the part that is wrong.
    """
    try:
        path = Path(raw_path)
        node = path.ast
    except SCIMException as exc:
        raise InvalidPath(f"Invalid path {raw_path!r}: {exc.detail}.") from exc

    if isinstance(node, AttrPath) and node.uri and node.sub_attr is None:
        schema_urn = f"{node.uri}:{node.attr}"
        if schema_urn.lower() == rtype.schema.id.lower():
            return None
        extension_schema = rtype.extension(schema_urn)
        if extension_schema is not None:
            return PatchPath(extension_schema, None, extension=True)

    parts = path.parts
    found = resolve_top_level(rtype, path.schema, parts[0])
    if found is None:
        qualified = f"{path.schema}:{parts[0]}" if path.schema else parts[0]
        raise InvalidPath(
            f"The path {raw_path!r} names {qualified!r}, which is not an attribute of "
            f"{rtype.name} resources."
        )
    schema, attribute, extension = found

    sub_attribute = None
    if len(parts) > 1:
        sub_attribute = attribute.sub_attribute(parts[1])
        if sub_attribute is None:
            raise InvalidPath(
                f"The path {raw_path!r} names {parts[1]!r}, which is not a sub-attribute "
                f"of {attribute.name}."
            )

    value_filter = path.value_filter
    if value_filter is None:
        return PatchPath(schema, attribute, extension, sub_attribute)

    if not attribute.multi_valued:
        raise InvalidPath(
            f"The path {raw_path!r} filters {attribute.name}, which is single-valued. "
            "Use a filter only on multi-valued attributes."
        )
    entry_filter = _compile_selection(raw_path, value_filter, attribute)
    return PatchPath(schema, attribute, extension, sub_attribute, value_filter, entry_filter)


def _compile_selection(
    raw_path: str, value_filter: FilterNode, attribute: AttributeDef
) -> Callable[[Any], bool]:
    """Compile a value path filter into a test of one entry of ``attribute``.

    Entries of a multi-valued attribute that is not complex are plain values, and
    a filter names them as ``value``, as in ``schemas[value eq "urn:..."]``.
    """
    try:
        if attribute.type is AttributeType.COMPLEX:
            return compile_entry_filter(value_filter, attribute)
        wrapper = AttributeDef(
            attribute.name,
            AttributeType.COMPLEX,
            sub_attributes=(
                AttributeDef("value", attribute.type, case_exact=attribute.case_exact),
            ),
        )
        test = compile_entry_filter(value_filter, wrapper)
    except InvalidFilter as exc:
        raise InvalidPath(f"Invalid filter in the path {raw_path!r}: {exc.detail}") from exc
    return lambda item: test({"value": item})


def _check_not_read_only(path: PatchPath) -> None:
    for definition in (path.attribute, path.sub_attribute):
        if definition is not None and definition.mutability is MutabilityRule.READ_ONLY:
            raise Mutability(
                f"{definition.name} is read-only and cannot be changed by PATCH. "
                "Leave it out of the request."
            )


def _target_value(path: PatchPath, value: Any) -> Any:
    """Coerce the value of an add or replace with a path to the target's type."""
    assert path.attribute is not None
    label = path.top_level_name
    if path.sub_attribute is not None:
        return _coerce(path.sub_attribute, value, f"{label}.{path.sub_attribute.name}")
    if path.value_filter is not None:
        return _coerce(path.attribute, value, label, as_entry=True)
    return _coerce(path.attribute, value, label)


def _removed_values(path: PatchPath, value: Any) -> Any:
    """Return the entries a remove lists in ``value``, for a bare multi-valued path.

    RFC 7644 §3.5.2.2 gives remove no value, and the value is ignored elsewhere.
    Microsoft Entra ID sends ``{"op": "remove", "path": "members", "value": [...]}``
    to remove the listed members only.
    """
    assert path.attribute is not None
    bare = path.sub_attribute is None and path.value_filter is None
    if value is None or not bare or not path.attribute.multi_valued:
        return None
    return _coerce(path.attribute, value, path.top_level_name)


def _pathless_operations(
    index: int, op: OperationName, value: Any, raw_path: str | None, rtype: ResourceTypeDef
) -> list[PatchOperation]:
    """Turn a path-less add or replace into operations with canonical keys.

    The first operation contains every key that is an attribute name. A key that is a
    filtered path, such as ``emails[type eq "work"].value`` which Microsoft Entra ID
    sends inside a path-less replace, becomes an operation of its own with that
    path, placed after the first.
    """
    objects = value if isinstance(value, list) else [value]
    if not objects or not all(isinstance(item, dict) for item in objects):
        raise InvalidValue(
            f"Operation {index} has no path, so its value must be an object of attributes, "
            f"not {value!r}."
        )

    result: dict[str, Any] = {}
    filtered: list[PatchOperation] = []
    for item in objects:
        for key, item_value in item.items():
            if not _place_key(result, key, item_value, rtype):
                filtered.append(_filtered_key_operation(op, key, item_value, rtype))

    operations = [PatchOperation(op, None, result, raw_path)] if result or not filtered else []
    return operations + filtered


def _filtered_key_operation(
    op: OperationName, key: str, value: Any, rtype: ResourceTypeDef
) -> PatchOperation:
    path = resolve_patch_path(key, rtype)
    assert path is not None
    assert path.attribute is not None
    _check_not_read_only(path)
    if value is None:
        return PatchOperation(op, path, None, key)
    return PatchOperation(op, path, _target_value(path, value), key)


def _place_key(result: dict[str, Any], key: str, value: Any, rtype: ResourceTypeDef) -> bool:
    """Resolve one key of a path-less value and store its coerced value in ``result``.

    Returns False, storing nothing, when the key is a filtered path.
    """
    if key.lower() == "schemas":
        result["schemas"] = _check_schemas(value, rtype)
        return True

    if key.lower() == rtype.schema.id.lower() and isinstance(value, dict):
        for sub_key, sub_value in value.items():
            if not _place_key(result, sub_key, sub_value, rtype):
                raise InvalidPath(f"The key {sub_key!r} inside {key!r} must be an attribute name.")
        return True

    extension = rtype.extension(key)
    if extension is not None:
        _place_extension(result, extension, value)
        return True

    try:
        node = Path(key).ast
    except SCIMException as exc:
        raise InvalidPath(f"The key {key!r} is not an attribute name: {exc.detail}.") from exc
    if not isinstance(node, AttrPath):
        return False

    found = resolve_top_level(rtype, node.uri, node.attr)
    if found is None:
        raise InvalidPath(f"The key {key!r} is not an attribute of {rtype.name} resources.")
    schema, attribute, is_extension = found

    if attribute.name.lower() in _ECHOED_ATTRIBUTES and node.sub_attr is None:
        # Compared with the current value when the operation is applied.
        result[attribute.name] = value
        return True

    holder = result
    if is_extension:
        holder = _child_object(result, schema.id)
    _place_attribute(holder, attribute, node.sub_attr, value, key)
    return True


def _place_extension(result: dict[str, Any], extension: SchemaDef, value: Any) -> None:
    if value is None:
        result[extension.id] = None
        return
    if not isinstance(value, dict):
        raise InvalidValue(
            f"The value of {extension.id!r} must be an object of its attributes, not {value!r}."
        )

    holder = _child_object(result, extension.id)
    for key, item in value.items():
        name, _, sub_name = key.partition(".")
        attribute = extension.attribute(name)
        if attribute is None:
            raise InvalidPath(f"{key!r} is not an attribute of the extension {extension.id!r}.")
        _place_attribute(holder, attribute, sub_name or None, item, f"{extension.id}:{key}")


def _place_attribute(
    holder: dict[str, Any],
    attribute: AttributeDef,
    sub_name: str | None,
    value: Any,
    key: str,
) -> None:
    if attribute.mutability is MutabilityRule.READ_ONLY:
        raise Mutability(f"{key} is read-only and cannot be changed by PATCH.")

    if sub_name is None:
        coerced = _coerce(attribute, value, key)
        existing = holder.get(attribute.name)
        if isinstance(existing, dict) and isinstance(coerced, dict):
            existing.update(coerced)
        else:
            holder[attribute.name] = coerced
        return

    sub_attribute = attribute.sub_attribute(sub_name)
    if sub_attribute is None:
        raise InvalidPath(f"The key {key!r} names {sub_name!r}, which is not a sub-attribute.")
    if attribute.multi_valued:
        raise InvalidPath(
            f"The key {key!r} names a sub-attribute of the multi-valued {attribute.name}. "
            f"Use a path with a filter, such as '{attribute.name}[type eq \"work\"].{sub_name}'."
        )
    if sub_attribute.mutability is MutabilityRule.READ_ONLY:
        raise Mutability(f"{key} is read-only and cannot be changed by PATCH.")

    parent = _child_object(holder, attribute.name)
    parent[sub_attribute.name] = _coerce(sub_attribute, value, key)


def _child_object(holder: dict[str, Any], key: str) -> dict[str, Any]:
    child = holder.get(key)
    if not isinstance(child, dict):
        child = {}
        holder[key] = child
    return child


def _check_schemas(value: Any, rtype: ResourceTypeDef) -> list[str]:
    known = {urn.lower() for urn in rtype.schema_ids}
    if not isinstance(value, list) or not all(isinstance(urn, str) for urn in value):
        raise InvalidValue(f"'schemas' must be a list of schema URNs, not {value!r}.")
    unknown = [urn for urn in value if urn.lower() not in known]
    if unknown:
        raise InvalidValue(
            f"'schemas' lists {unknown[0]!r}, which {rtype.name} resources do not use. "
            f"Known schemas: {', '.join(rtype.schema_ids)}."
        )
    return value


def _coerce(attribute: AttributeDef, value: Any, label: str, *, as_entry: bool = False) -> Any:
    """Check a value against an attribute and return it with canonical sub-attribute names.

    With ``as_entry``, the value is one entry of a multi-valued attribute. None stays
    None, which means removal.
    """
    if value is None:
        return None

    if attribute.multi_valued and not as_entry:
        items = value if isinstance(value, list) else [value]
        return [
            _coerce(attribute, item, label, as_entry=True) for item in items if item is not None
        ]

    if isinstance(value, list):
        if len(value) != 1:
            raise InvalidValue(f"{label} takes a single value, and the request sends {value!r}.")
        value = value[0]

    if attribute.type is AttributeType.COMPLEX:
        return _coerce_complex(attribute, value, label)
    return _coerce_scalar(attribute, value, label)


def _coerce_complex(attribute: AttributeDef, value: Any, label: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        if attribute.sub_attribute("value") is None:
            raise InvalidValue(f"{label} takes an object of sub-attributes, not {value!r}.")
        value = {"value": value}

    result: dict[str, Any] = {}
    for key, item in value.items():
        sub = attribute.sub_attribute(key)
        if sub is None:
            # Sub-attributes the schema lacks are dropped, as in POST and PUT
            # bodies: Okta sends members with a display the target cannot keep.
            continue
        if sub.mutability is MutabilityRule.READ_ONLY:
            raise Mutability(f"{label}.{sub.name} is read-only and cannot be changed by PATCH.")
        result[sub.name] = _coerce(sub, item, f"{label}.{sub.name}")
    return result


def _coerce_scalar(attribute: AttributeDef, value: Any, label: str) -> Any:
    kind = attribute.type
    if kind is AttributeType.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise InvalidValue(f"{label} takes true or false, not {value!r}.")

    if kind is AttributeType.INTEGER:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise InvalidValue(f"{label} takes an integer, not {value!r}.")

    if kind is AttributeType.DECIMAL:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        raise InvalidValue(f"{label} takes a number, not {value!r}.")

    if kind is AttributeType.DATETIME:
        if isinstance(value, str) and parse_datetime(value) is not None:
            return value
        raise InvalidValue(
            f"{label} takes an ISO 8601 dateTime such as '2024-01-31T12:00:00Z', not {value!r}."
        )

    if not isinstance(value, str):
        raise InvalidValue(f"{label} takes a string, not {value!r}.")
    return value


def apply_operations(
    resource: dict[str, Any], operations: list[PatchOperation], rtype: ResourceTypeDef
) -> dict[str, Any]:
    """Apply parsed operations in order and return the patched copy of ``resource``.

    The input is never changed. Raises Mutability for a change to an immutable
    attribute that already has a value, NoTarget for a replace whose value filter
    matches nothing, and InvalidValue when a required attribute ends up removed.
    """
    result = copy.deepcopy(resource)

    for operation in operations:
        if operation.path is None:
            _apply_pathless(result, operation, rtype)
        elif operation.op == "remove":
            _remove(result, operation.path, operation.value)
        elif operation.value is None:
            _remove(result, operation.path, None)
        else:
            _assign(result, operation.path, operation.op, operation.value)

    _check_required(resource, result, rtype)
    return result


def _apply_pathless(
    result: dict[str, Any], operation: PatchOperation, rtype: ResourceTypeDef
) -> None:
    for key, value in operation.value.items():
        if key == "schemas":
            continue

        if key.lower() in _ECHOED_ATTRIBUTES:
            if value != get_value(result, key):
                raise Mutability(
                    f"{key} is read-only. A PATCH may repeat its current value but not change it."
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
        if key in _IGNORED_KEYS:
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
