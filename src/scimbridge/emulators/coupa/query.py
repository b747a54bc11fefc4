"""Index queries: attribute conditions, ordering and offset paging over rendered objects.

A query parameter is either a control parameter (``limit``, ``offset``,
``order_by``, ``dir``, ``fields``, ``return_object``) or a condition
``attr=value``, ``attr[op]=value``, ``assoc[attr]=value`` or
``assoc[attr][op]=value``. Names may use hyphens or underscores. Conditions are
ANDed. An association condition holds when the nested object, or any element of
a nested list, satisfies it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from scimbridge.emulators.coupa.errors import invalid
from scimbridge.emulators.coupa.schemas import (
    BOOLEAN,
    DECIMAL,
    INT,
    JSON,
    SCHEMAS,
    STRING,
    TIME,
    FieldType,
    Schema,
    filter_schema,
)
from scimbridge.emulators.coupa.timestamps import parse_instant

CONTROL_PARAMETERS = frozenset({"limit", "offset", "order-by", "dir", "fields", "return-object"})

EQUALITY_OPERATORS = frozenset({"eq", "not_eq", "in", "not_in", "blank"})
ORDER_OPERATORS = frozenset({"gt", "lt", "gt_or_eq", "lt_or_eq"})
TEXT_OPERATORS = frozenset({"contains", "starts_with", "ends_with"})
OPERATORS = EQUALITY_OPERATORS | ORDER_OPERATORS | TEXT_OPERATORS

_ALLOWED_OPERATORS = {
    STRING: OPERATORS,
    INT: EQUALITY_OPERATORS | ORDER_OPERATORS,
    DECIMAL: EQUALITY_OPERATORS | ORDER_OPERATORS,
    TIME: EQUALITY_OPERATORS | ORDER_OPERATORS,
    BOOLEAN: EQUALITY_OPERATORS,
    JSON: frozenset({"blank"}),
}

_PARAMETER = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


def hyphenate(name: str) -> str:
    """Return an attribute name in the hyphenated spelling that objects use."""
    return name.strip().replace("_", "-")


@dataclass(frozen=True)
class Condition:
    """One ``path[op]=value`` condition, with the value parsed for the leaf's type."""

    path: tuple[str, ...]
    operator: str
    leaf: FieldType
    value: Any


@dataclass
class IndexQuery:
    """A parsed index query."""

    conditions: list[Condition] = field(default_factory=list)
    order_by: str = "id"
    descending: bool = False
    limit: int = 50
    offset: int = 0

    @property
    def attributes(self) -> frozenset[str]:
        """Return the top-level attributes that the conditions and the ordering read."""
        return frozenset({self.order_by, *(condition.path[0] for condition in self.conditions)})


def parse_index_query(
    parameters: Sequence[tuple[str, str]], schema_name: str, resource: str, page_cap: int
) -> IndexQuery:
    """Parse the conditions, order and paging of an index call; 400 for anything invalid."""
    schema = filter_schema(schema_name)
    query = IndexQuery(limit=page_cap)

    for raw_name, value in parameters:
        name = hyphenate(raw_name)
        if name in CONTROL_PARAMETERS:
            _apply_control(query, name, value, schema, resource, page_cap)
        else:
            query.conditions.append(_parse_condition(raw_name, value, schema, resource))
    return query


def _apply_control(
    query: IndexQuery, name: str, value: str, schema: Schema, resource: str, page_cap: int
) -> None:
    if name == "limit":
        limit = _whole_number(value, "limit", resource)
        if limit < 1:
            raise invalid(resource, f"limit must be at least 1, got {value!r}")
        query.limit = min(limit, page_cap)
    elif name == "offset":
        query.offset = _whole_number(value, "offset", resource)
    elif name == "order-by":
        attribute = hyphenate(value)
        field_type = schema.get(attribute)
        if field_type is None or field_type.scalar in (None, JSON):
            raise invalid(resource, f"order_by names no sortable attribute: {value!r}")
        query.order_by = attribute
    elif name == "dir":
        if value.lower() not in ("asc", "desc"):
            raise invalid(resource, f"dir must be asc or desc, got {value!r}")
        query.descending = value.lower() == "desc"


def _whole_number(value: str, name: str, resource: str) -> int:
    text = value.strip()
    if not text.isdigit():
        raise invalid(resource, f"{name} must be a whole number of at least 0, got {value!r}")
    return int(text)


def _parse_condition(raw_name: str, value: str, schema: Schema, resource: str) -> Condition:
    match = _PARAMETER.match(raw_name)
    if match is None:
        raise invalid(resource, f"Invalid query parameter {raw_name!r}")

    parts = [match.group(1), *re.findall(r"\[([^\[\]]*)\]", match.group(2))]
    operator = "eq"
    if len(parts) > 1 and parts[-1] in OPERATORS:
        operator = parts.pop()

    path = tuple(hyphenate(part) for part in parts)
    leaf = _leaf_type(path, schema, raw_name, resource)
    if operator == "blank":
        return Condition(path, operator, leaf, _boolean(value, raw_name, resource))
    if leaf.scalar is None:
        raise invalid(
            resource,
            f"{raw_name} is an association, so name one of its attributes, "
            f"such as {parts[0]}[id]={value}",
        )
    if operator not in _ALLOWED_OPERATORS[leaf.scalar]:
        raise invalid(
            resource,
            f"The operator {operator} does not apply to {leaf.scalar} attribute {raw_name}",
        )

    if operator in ("in", "not_in"):
        items = [item.strip() for item in value.split(",")]
        parsed: Any = [_parse_value(item, leaf.scalar, raw_name, resource) for item in items]
    else:
        parsed = _parse_value(value, leaf.scalar, raw_name, resource)
    return Condition(path, operator, leaf, parsed)


def _leaf_type(path: tuple[str, ...], schema: Schema, raw_name: str, resource: str) -> FieldType:
    current: Schema = schema
    field_type: FieldType | None = None
    for position, attribute in enumerate(path):
        field_type = current.get(attribute)
        if field_type is None:
            raise invalid(
                resource, f"Unknown attribute {attribute!r} in query parameter {raw_name}"
            )
        if field_type.nested is None and position < len(path) - 1:
            raise invalid(resource, f"{attribute} has no nested attributes ({raw_name})")
        if field_type.nested is not None:
            current = SCHEMAS[field_type.nested]
    assert field_type is not None
    return field_type


def _boolean(value: str, name: str, resource: str) -> bool:
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise invalid(resource, f"{name} must be true or false, got {value!r}")
    return lowered == "true"


def _parse_value(value: str, scalar: str, name: str, resource: str) -> Any:
    try:
        if scalar == INT:
            return int(value)
        if scalar == DECIMAL:
            return Decimal(value)
        if scalar == TIME:
            return parse_instant(value)
    except (ValueError, InvalidOperation):
        raise invalid(resource, f"{name} has an invalid {scalar} value: {value!r}") from None

    if scalar == BOOLEAN:
        return _boolean(value, name, resource)
    return value.casefold()


def comparable(value: Any, scalar: str | None) -> Any:
    """Convert an object's attribute value to the form conditions and ordering compare."""
    if value is None:
        return None
    if scalar == STRING:
        return str(value).casefold()
    if scalar == DECIMAL:
        return Decimal(str(value))
    if scalar == TIME:
        return parse_instant(str(value))
    return value


def _leaf_values(item: Any, path: tuple[str, ...]) -> list[Any]:
    """Return every value at ``path``; an empty list or a null object yields one None."""
    if not path:
        return [item]
    if item is None:
        return [None]
    if isinstance(item, list):
        if not item:
            return [None]
        return [value for element in item for value in _leaf_values(element, path)]

    return _leaf_values(item.get(path[0]), path[1:])


def _is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda left, right: left == right,
    "not_eq": lambda left, right: left != right,
    "in": lambda left, right: left in right,
    "not_in": lambda left, right: left not in right,
    "gt": lambda left, right: left > right,
    "lt": lambda left, right: left < right,
    "gt_or_eq": lambda left, right: left >= right,
    "lt_or_eq": lambda left, right: left <= right,
    "contains": lambda left, right: right in left,
    "starts_with": lambda left, right: left.startswith(right),
    "ends_with": lambda left, right: left.endswith(right),
}
"""Each comparison operator, applied as ``test(record value, query value)``."""


def _compare(condition: Condition, raw: Any) -> bool:
    if condition.operator == "blank":
        return _is_blank(raw) is bool(condition.value)

    value = comparable(raw, condition.leaf.scalar)
    if value is None:
        return False

    return bool(_TESTS[condition.operator](value, condition.value))


def matches(item: dict[str, Any], conditions: list[Condition]) -> bool:
    """Return True when ``item`` satisfies every condition."""
    for condition in conditions:
        values = _leaf_values(item, condition.path)
        if not any(_compare(condition, value) for value in values):
            return False
    return True


def run_index(items: list[dict[str, Any]], query: IndexQuery, schema_name: str) -> list[int]:
    """Filter, order and page ``items`` (ordered by id); return the positions to send.

    An item needs only the keys in ``query.attributes``.
    """
    selected = [position for position, item in enumerate(items) if matches(item, query.conditions)]

    scalar = filter_schema(schema_name)[query.order_by].scalar

    def sort_key(position: int) -> tuple[int, Any]:
        value = comparable(items[position].get(query.order_by), scalar)
        return (0, 0) if value is None else (1, value)

    selected.sort(key=sort_key, reverse=query.descending)
    return selected[query.offset : query.offset + query.limit]
