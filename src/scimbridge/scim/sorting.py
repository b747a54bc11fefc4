"""Sort resources held as JSON dictionaries by the ``sortBy`` and ``sortOrder`` parameters.

RFC 7644 §3.4.2.3 defines the rules applied here:

- ``sortBy`` is an attribute path. A multi-valued attribute sorts by its primary
  value, or else by its first value;
- strings compare case-insensitively unless the attribute is ``caseExact``;
- ``sortOrder`` is ``ascending`` (the default) or ``descending``;
- resources with no value for ``sortBy`` go last in ascending order and first in
  descending order.

The sort is stable, so resources with equal values keep their input order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scim2_models import Path
from scim2_models.exceptions import SCIMException
from scim2_models.path import AttrPath

from ..errors import InvalidValue
from .attrpath import (
    STRING_TYPES,
    ResolvedAttribute,
    as_datetime,
    container,
    get_value,
    resolve_attr_path,
)
from .schema import AttributeDef, AttributeType, ResourceTypeDef

_ORDERS = {"ascending": False, "descending": True}


def sort_resources(
    resources: list[dict[str, Any]],
    sort_by: str | None,
    sort_order: str | None,
    rtype: ResourceTypeDef,
) -> list[dict[str, Any]]:
    """Return the resources sorted by ``sort_by``, or in their input order without it.

    Raises InvalidValue for a ``sortOrder`` other than ``ascending`` or
    ``descending``, and for a ``sortBy`` that names no attribute of the resource
    type or names a complex attribute without a sub-attribute to sort on.
    """
    descending = _parse_order(sort_order)
    if sort_by is None or not sort_by.strip():
        return list(resources)

    read_key = _key_reader(sort_by.strip(), rtype)
    keyed = [(read_key(resource), resource) for resource in resources]
    with_value = [(key, resource) for key, resource in keyed if key is not None]
    without_value = [resource for key, resource in keyed if key is None]

    with_value.sort(key=lambda pair: pair[0], reverse=descending)
    ordered = [resource for _, resource in with_value]
    if descending:
        return without_value + ordered
    return ordered + without_value


def _parse_order(sort_order: str | None) -> bool:
    """Return True for descending order."""
    if sort_order is None or not sort_order.strip():
        return False
    descending = _ORDERS.get(sort_order.strip().lower())
    if descending is None:
        raise InvalidValue(
            f"The sortOrder {sort_order!r} is invalid. Use 'ascending' or 'descending'."
        )
    return descending


def _key_reader(sort_by: str, rtype: ResourceTypeDef) -> Callable[[dict[str, Any]], Any]:
    resolved = _resolve_sort_by(sort_by, rtype)
    attribute = resolved.attribute
    sub_name = resolved.sub_attribute.name if resolved.sub_attribute else None
    normalize = _normalizer(resolved.leaf)

    def read(resource: dict[str, Any]) -> Any:
        value = get_value(container(resource, resolved), attribute.name)
        if isinstance(value, list):
            value = _primary_or_first(value)
        if sub_name is not None:
            value = get_value(value, sub_name)
        return None if value is None else normalize(value)

    return read


def _resolve_sort_by(sort_by: str, rtype: ResourceTypeDef) -> ResolvedAttribute:
    try:
        node = Path(sort_by).ast
    except SCIMException:
        node = None
    resolved = resolve_attr_path(rtype, node) if isinstance(node, AttrPath) else None
    if resolved is None:
        raise InvalidValue(
            f"The sortBy {sort_by!r} is not an attribute of {rtype.name} resources. "
            "Name an attribute path such as 'userName' or 'name.familyName'."
        )

    attribute = resolved.attribute
    if resolved.sub_attribute is None and attribute.type is AttributeType.COMPLEX:
        value_sub = attribute.sub_attribute("value")
        if not attribute.multi_valued or value_sub is None:
            raise InvalidValue(
                f"The sortBy {sort_by!r} names a complex attribute. "
                f"Name one of its sub-attributes, such as '{sort_by}.<sub-attribute>'."
            )
        resolved = ResolvedAttribute(resolved.schema, attribute, value_sub, resolved.extension)
    return resolved


def _primary_or_first(entries: list[Any]) -> Any:
    for entry in entries:
        if isinstance(entry, dict) and get_value(entry, "primary") is True:
            return entry
    return entries[0] if entries else None


def _normalizer(leaf: AttributeDef) -> Callable[[Any], Any]:
    """Build the function turning a stored value into a sort key, or None when it does not fit.

    A value of the wrong type sorts as missing, so one malformed resource cannot make
    the comparison fail.
    """
    if leaf.type in STRING_TYPES:
        case_exact = leaf.case_exact

        def normalize_string(value: Any) -> str | None:
            if not isinstance(value, str):
                return None
            return value if case_exact else value.casefold()

        return normalize_string
    if leaf.type in (AttributeType.INTEGER, AttributeType.DECIMAL):
        return lambda value: (
            value if isinstance(value, int | float) and not isinstance(value, bool) else None
        )
    if leaf.type is AttributeType.BOOLEAN:
        return lambda value: value if isinstance(value, bool) else None
    if leaf.type is AttributeType.DATETIME:
        return as_datetime
    return lambda value: None
