"""Resolve attribute paths against a resource type and read them from JSON dictionaries.

Filtering, sorting, PATCH and projection all turn a name such as ``name.givenName``
or ``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`` into
the attribute definitions it designates, then read the values from a resource
dictionary. Attribute names are case-insensitive (RFC 7643 §2.1), so lookups in a
dictionary try the canonical spelling first and fall back to a case-insensitive scan.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from scim2_models.path import AttrPath

from .schema import COMMON_ATTRIBUTES, AttributeDef, AttributeType, ResourceTypeDef, SchemaDef

# The common attributes of RFC 7643 §3.1 belong to every resource type, even when a
# resource type definition does not list them in its core schema.
_COMMON_BY_NAME = {attribute.name.lower(): attribute for attribute in COMMON_ATTRIBUTES}


@dataclass(frozen=True)
class ResolvedAttribute:
    """An attribute path bound to the definitions it designates.

    ``sub_attribute`` is set when the path names a sub-attribute of a complex
    attribute. ``extension`` is true when the attribute lives in an extension
    schema, whose values sit in the resource under the schema URN.
    """

    schema: SchemaDef
    attribute: AttributeDef
    sub_attribute: AttributeDef | None
    extension: bool

    @property
    def leaf(self) -> AttributeDef:
        """The definition of the value the path designates."""
        return self.sub_attribute or self.attribute

    @property
    def top_level_name(self) -> str:
        """The attribute's name, qualified by its schema URN for extensions."""
        if self.extension:
            return f"{self.schema.id}:{self.attribute.name}"
        return self.attribute.name

    def __str__(self) -> str:
        suffix = f".{self.sub_attribute.name}" if self.sub_attribute else ""
        return f"{self.top_level_name}{suffix}"


def resolve_top_level(
    rtype: ResourceTypeDef, uri: str | None, name: str
) -> tuple[SchemaDef, AttributeDef, bool] | None:
    """Find a top-level attribute and its schema, or return None when it is unknown.

    The boolean in the result is true for an attribute of an extension schema.
    """
    found = rtype.resolve(uri, name)
    if found is None:
        common = _COMMON_BY_NAME.get(name.lower())
        core_uri = uri is None or uri.lower() == rtype.schema.id.lower()
        if common is None or not core_uri:
            return None
        found = (rtype.schema, common)

    schema, attribute = found
    return schema, attribute, schema is not rtype.schema


def resolve_attr_path(rtype: ResourceTypeDef, attr_path: AttrPath) -> ResolvedAttribute | None:
    """Bind a parsed attribute path to its definitions, or return None when it is unknown.

    A sub-attribute is only found on a complex attribute.
    """
    found = resolve_top_level(rtype, attr_path.uri, attr_path.attr)
    if found is None:
        return None

    schema, attribute, extension = found
    sub_attribute = None
    if attr_path.sub_attr is not None:
        sub_attribute = attribute.sub_attribute(attr_path.sub_attr)
        if sub_attribute is None:
            return None
    return ResolvedAttribute(schema, attribute, sub_attribute, extension)


def find_key(mapping: dict[str, Any], name: str) -> str | None:
    """Return the key of ``mapping`` that spells ``name`` in any case, or None."""
    if name in mapping:
        return name
    wanted = name.lower()
    for key in mapping:
        if key.lower() == wanted:
            return key
    return None


def get_value(mapping: Any, name: str) -> Any:
    """Read ``name`` from a dictionary, matching the key case-insensitively.

    Anything that is not a dictionary has no attributes, so the result is None.
    """
    if not isinstance(mapping, dict):
        return None
    value = mapping.get(name)
    if value is not None or name in mapping:
        return value
    key = find_key(mapping, name)
    return None if key is None else mapping[key]


def set_value(mapping: dict[str, Any], name: str, value: Any) -> None:
    """Store ``value`` under the canonical ``name``, dropping keys that differ only in case."""
    for key in [key for key in mapping if key.lower() == name.lower() and key != name]:
        del mapping[key]
    mapping[name] = value


def delete_value(mapping: dict[str, Any], name: str) -> bool:
    """Delete every key that spells ``name`` in any case, and return whether one existed."""
    keys = [key for key in mapping if key.lower() == name.lower()]
    for key in keys:
        del mapping[key]
    return bool(keys)


def container(resource: dict[str, Any], resolved: ResolvedAttribute) -> Any:
    """Return the dictionary holding the attribute: the resource or its extension object."""
    if not resolved.extension:
        return resource
    return get_value(resource, resolved.schema.id)


def is_present(value: Any) -> bool:
    """Tell whether a value counts as assigned for ``pr`` (RFC 7644 §3.4.2.2).

    None, an empty string, an empty list and an empty object are unassigned. A list
    or an object is assigned when one of its values is.
    """
    if value is None:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        return any(is_present(item) for item in value)
    if isinstance(value, dict):
        return any(is_present(item) for item in value.values())
    return True


def _flatten(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return [item for item in value if item is not None]
    return [value]


def make_reader(resolved: ResolvedAttribute) -> Callable[[dict[str, Any]], list[Any]]:
    """Build a function returning every value the path designates in a resource.

    Multi-valued attributes are flattened, so ``emails.value`` yields one string per
    email entry. Missing and null values are left out, so an unassigned attribute
    yields an empty list.
    """
    attribute_name = resolved.attribute.name
    sub_name = resolved.sub_attribute.name if resolved.sub_attribute else None
    schema_id = resolved.schema.id if resolved.extension else None

    def read(resource: dict[str, Any]) -> list[Any]:
        holder = resource if schema_id is None else get_value(resource, schema_id)
        value = get_value(holder, attribute_name)
        if sub_name is None:
            return _flatten(value)
        if isinstance(value, list):
            return [item for entry in value for item in _flatten(get_value(entry, sub_name))]
        return _flatten(get_value(value, sub_name))

    return read


@lru_cache(maxsize=4096)
def parse_datetime(text: str) -> datetime | None:
    """Parse an RFC 7643 §2.3.5 dateTime (ISO 8601) into an aware datetime.

    A value without a time zone is read as UTC. Text that is not a dateTime yields
    None.
    """
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def as_datetime(value: Any) -> datetime | None:
    """Read a stored dateTime value, which is normally an ISO 8601 string."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        return parse_datetime(value)
    return None


STRING_TYPES = frozenset({AttributeType.STRING, AttributeType.REFERENCE, AttributeType.BINARY})
"""Attribute types whose values are JSON strings compared as text."""
