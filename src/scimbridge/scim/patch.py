"""Parse SCIM PATCH requests into operations checked against a resource type.

``parse_patch_request`` checks a PatchOp message against a resource type and turns it
into ``PatchOperation`` objects whose paths are resolved and whose values are coerced
to the attribute types. ``scimbridge.scim.patch_apply.apply_operations`` then applies
them with the semantics of RFC 7644 §3.5.2. Together they accept the variations real
clients send:

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
  value, as Okta sends ``id``, leaves them untouched;
- an add or replace of another read-only attribute, such as ``displayName`` that
  Microsoft Entra ID writes by default, is checked when it is applied: a value equal
  to the current one (or to the one the target derives from the patched resource)
  changes nothing, and any other value raises Mutability;
- read-only sub-attributes of a multi-valued entry, such as the ``display`` of a
  member that Okta sends, are dropped, because the target derives them from
  ``value``.

A value path filter that selects entries by a ``type`` the schema does not list in
its canonical values, such as ``emails[type eq "home"]`` where only ``work`` is
kept, raises InvalidValue for an add or replace. The target could not store the
entry, and dropping it would lose the client's data silently.

A null ``value`` in an add or replace removes the target, which is how clients clear
an attribute without a remove operation.
"""

from __future__ import annotations

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
    find_key,
    get_value,
    parse_datetime,
    resolve_top_level,
)
from .filtering import compile_entry_filter
from .schema import AttributeDef, AttributeType, ResourceTypeDef, SchemaDef
from .schema import Mutability as MutabilityRule
from .validation import coerce_integer

PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

OperationName = Literal["add", "replace", "remove"]

_OPERATION_NAMES: dict[str, OperationName] = {
    "add": "add",
    "replace": "replace",
    "remove": "remove",
}

# Read-only attributes a client may echo back unchanged in a path-less operation.
ECHOED_ATTRIBUTES = frozenset({"id", "meta"})
# Keys of a path-less value that a client echoes back and that change nothing.
IGNORED_KEYS = frozenset({"schemas", "id", "meta"})


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
    the client sent it. ``read_only`` marks an add or replace of a read-only
    attribute, which may only repeat the current value.
    """

    op: OperationName
    path: PatchPath | None
    value: Any
    raw_path: str | None = None
    read_only: bool = False


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

    if op != "remove" and not has_value:
        raise InvalidValue(f"Operation {index} ({op} {raw_path!r}) has no 'value'.")
    return [_path_operation(op, path, value, raw_path)]


def _path_operation(
    op: OperationName, path: PatchPath, value: Any, raw_path: str
) -> PatchOperation:
    """Build the operation for a resolved attribute path, checking what it may change."""
    if op != "remove":
        _check_storable_selection(path, raw_path)
    read_only = _is_read_only(path)
    if read_only and (op == "remove" or path.value_filter is not None):
        _check_not_read_only(path)

    if op == "remove":
        return PatchOperation(op, path, _removed_values(path, value), raw_path)
    if value is None:
        return PatchOperation(op, path, None, raw_path, read_only=read_only)
    try:
        coerced = _target_value(path, value, read_only=read_only)
    except InvalidValue:
        if read_only:
            # A value of the wrong type cannot repeat the current one.
            _check_not_read_only(path)
        raise
    return PatchOperation(op, path, coerced, raw_path, read_only=read_only)


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
        named = "" if qualified == raw_path else f" names {qualified!r}, which"
        raise InvalidPath(
            f"The path {raw_path!r}{named} is not an attribute of {rtype.name} resources "
            "here. Remove it from the client's attribute mapping."
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


def _is_read_only(path: PatchPath) -> bool:
    return any(
        definition is not None and definition.mutability is MutabilityRule.READ_ONLY
        for definition in (path.attribute, path.sub_attribute)
    )


def _check_not_read_only(path: PatchPath) -> None:
    for definition in (path.attribute, path.sub_attribute):
        if definition is not None and definition.mutability is MutabilityRule.READ_ONLY:
            raise Mutability(
                f"{definition.name} is read-only and cannot be changed by PATCH. "
                "Leave it out of the request, or remove it from the client's attribute mapping."
            )


def _check_storable_selection(path: PatchPath, raw_path: str) -> None:
    """Raise InvalidValue when an add or replace selects entries by a type the target cannot keep.

    The check covers ``eq`` terms on a ``type`` sub-attribute that publishes
    canonical values, such as ``emails[type eq "home"]`` where ``emails.type``
    lists only ``work``.
    """
    if path.value_filter is None or path.attribute is None:
        return
    type_sub = path.attribute.sub_attribute("type")
    if type_sub is None or not type_sub.canonical_values:
        return
    allowed = {value.lower() for value in type_sub.canonical_values}
    for term in _and_terms(path.value_filter):
        if not (isinstance(term, Comparison) and term.op == CompareOperator.eq):
            continue
        if term.attr_path.attr.lower() != "type" or not isinstance(term.value, str):
            continue
        if term.value.lower() not in allowed:
            supported = ", ".join(repr(value) for value in type_sub.canonical_values)
            noun = "type" if len(type_sub.canonical_values) == 1 else "types"
            raise InvalidValue(
                f"The path {raw_path!r} selects {path.attribute.name} of type {term.value!r}, "
                f"which this service provider cannot store: {path.attribute.name} supports "
                f"the {noun} {supported}. Map the value to a supported type in the client, "
                "or remove the mapping."
            )


def _and_terms(node: FilterNode) -> tuple[FilterNode, ...]:
    if isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_:
        return node.terms
    return (node,)


def _target_value(path: PatchPath, value: Any, *, read_only: bool = False) -> Any:
    """Coerce the value of an add or replace with a path to the target's type.

    With ``read_only``, read-only sub-attributes are kept, because the value is
    compared with the current one instead of being written.
    """
    assert path.attribute is not None
    label = path.top_level_name
    if path.sub_attribute is not None:
        return _coerce(
            path.sub_attribute, value, f"{label}.{path.sub_attribute.name}", keep=read_only
        )
    if path.value_filter is not None:
        return _coerce(path.attribute, value, label, as_entry=True, keep=read_only)
    return _coerce(path.attribute, value, label, keep=read_only)


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
    keyed: list[PatchOperation] = []
    for item in objects:
        for key, item_value in _qualified_items(item, rtype):
            if not _place_key(result, key, item_value, rtype):
                keyed.append(_keyed_operation(op, key, item_value, rtype))

    operations = [PatchOperation(op, None, result, raw_path)] if result or not keyed else []
    return operations + keyed


def _qualified_items(item: dict[str, Any], rtype: ResourceTypeDef) -> list[tuple[str, Any]]:
    """List the keys of a path-less value, opening objects keyed by a schema URN.

    The keys of an extension object are qualified by its URN, and those of a core
    schema object are used as they are, so that they pass the same checks as the
    ``urn:...:User:department`` keys that Microsoft Entra ID sends.
    """
    pairs: list[tuple[str, Any]] = []
    for key, value in item.items():
        extension = rtype.extension(key)
        is_core = key.lower() == rtype.schema.id.lower()
        if not isinstance(value, dict) or (extension is None and not is_core):
            pairs.append((key, value))
            continue
        for sub_key, sub_value in value.items():
            # Some clients send an extension as a whole resource would carry it,
            # with its own "schemas"; that key names no attribute, so skip it.
            if sub_key.lower() == "schemas" and extension is not None:
                continue
            pairs.append((sub_key if is_core else f"{key}:{sub_key}", sub_value))
    return pairs


def _keyed_operation(
    op: OperationName, key: str, value: Any, rtype: ResourceTypeDef
) -> PatchOperation:
    """Turn one key of a path-less value into an operation with the key as its path."""
    path = resolve_patch_path(key, rtype)
    assert path is not None
    assert path.attribute is not None
    return _path_operation(op, path, value, key)


def _place_key(result: dict[str, Any], key: str, value: Any, rtype: ResourceTypeDef) -> bool:
    """Resolve one key of a path-less value and store its coerced value in ``result``.

    Returns False, storing nothing, when the key is a filtered path or names a
    read-only attribute: such a key becomes an operation of its own.
    """
    if key.lower() == "schemas":
        result["schemas"] = _check_schemas(value, rtype)
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
        raise InvalidPath(
            f"The key {key!r} names {node.attr!r}, which is not an attribute of "
            f"{rtype.name} resources here. "
            "Remove it from the client's attribute mapping."
        )
    schema, attribute, is_extension = found

    if attribute.name.lower() in ECHOED_ATTRIBUTES and node.sub_attr is None:
        # Compared with the current value when the operation is applied.
        result[attribute.name] = value
        return True
    sub_attribute = attribute.sub_attribute(node.sub_attr) if node.sub_attr else None
    if any(
        definition is not None and definition.mutability is MutabilityRule.READ_ONLY
        for definition in (attribute, sub_attribute)
    ):
        return False

    holder = result
    if is_extension:
        holder = _child_object(result, schema.id)
    _place_attribute(holder, attribute, node.sub_attr, value, key)
    return True


def _place_extension(result: dict[str, Any], extension: SchemaDef, value: Any) -> None:
    """Store a whole-extension value that ``_qualified_items`` did not open: null, or invalid."""
    if value is None:
        result[extension.id] = None
        return
    raise InvalidValue(
        f"The value of {extension.id!r} must be an object of its attributes, not {value!r}."
    )


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


def _coerce(
    attribute: AttributeDef, value: Any, label: str, *, as_entry: bool = False, keep: bool = False
) -> Any:
    """Check a value against an attribute and return it with canonical sub-attribute names.

    With ``as_entry``, the value is one entry of a multi-valued attribute. None stays
    None, which means removal. With ``keep``, read-only sub-attributes are kept
    instead of rejected or dropped.
    """
    if value is None:
        return None

    if attribute.multi_valued and not as_entry:
        items = value if isinstance(value, list) else [value]
        return [
            _coerce(attribute, item, label, as_entry=True, keep=keep)
            for item in items
            if item is not None
        ]

    if isinstance(value, list):
        if len(value) != 1:
            raise InvalidValue(f"{label} takes a single value, and the request sends {value!r}.")
        value = value[0]

    if attribute.type is AttributeType.COMPLEX:
        return _coerce_complex(attribute, value, label, keep=keep)
    return _coerce_scalar(attribute, value, label)


def _coerce_complex(
    attribute: AttributeDef, value: Any, label: str, *, keep: bool = False
) -> dict[str, Any]:
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
        if sub.mutability is MutabilityRule.READ_ONLY and not keep:
            if attribute.multi_valued and attribute.mutability is not MutabilityRule.READ_ONLY:
                # The target derives these from the entry's value, as a PUT does.
                continue
            raise Mutability(f"{label}.{sub.name} is read-only and cannot be changed by PATCH.")
        result[sub.name] = _coerce(sub, item, f"{label}.{sub.name}", keep=keep)
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
        return coerce_integer(value, label)

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
