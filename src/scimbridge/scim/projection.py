"""Select the attributes of a resource that a response returns.

This applies the ``attributes`` and ``excludedAttributes`` parameters of RFC 7644
§3.4.2.5 and §3.9 together with each attribute's ``returned`` characteristic:

- ``always`` attributes are returned whatever the parameters request, and so are
  ``id`` and ``schemas``;
- ``never`` attributes and sub-attributes are never returned;
- ``request`` attributes are returned only when ``attributes`` names them;
- ``default`` attributes are returned unless ``excludedAttributes`` names them, or
  ``attributes`` is given and does not name them.

Names may be sub-attribute paths (``name.givenName``, ``emails.value``), URN-qualified
(``urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber``) or a
whole extension URN, and they are matched case-insensitively. A name the resource type
does not define is ignored rather than rejected, because RFC 7644 gives no error for
it and clients send generic attribute lists to every resource type. When both
parameters are given, ``attributes`` selects first and ``excludedAttributes`` then
removes from that selection.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from scim2_models import Path
from scim2_models.exceptions import SCIMException
from scim2_models.path import AttrPath

from .attrpath import resolve_attr_path
from .schema import (
    COMMON_ATTRIBUTES,
    AttributeDef,
    AttributeType,
    ResourceTypeDef,
    Returned,
    SchemaDef,
)

_ALWAYS_KEPT = frozenset({"id", "schemas"})
_MAX_CACHED_PROJECTIONS = 256

AttributeKey = tuple[str, str]
"""An attribute's identity: its lower-case schema URN and lower-case name."""


def parse_attribute_list(text: str | None) -> list[str] | None:
    """Split the comma-separated ``attributes`` or ``excludedAttributes`` query parameter.

    Returns None when the parameter is absent or lists no name.
    """
    if text is None:
        return None
    names = [name.strip() for name in text.split(",")]
    names = [name for name in names if name]
    return names or None


@dataclass
class _Selection:
    """Attribute names resolved against a resource type."""

    schemas: set[str] = field(default_factory=set)
    attributes: set[AttributeKey] = field(default_factory=set)
    sub_attributes: dict[AttributeKey, set[str]] = field(default_factory=dict)

    def names_attribute(self, schema: SchemaDef, attribute: AttributeDef) -> bool:
        return schema.id.lower() in self.schemas or _key(schema, attribute) in self.attributes

    def named_subs(self, schema: SchemaDef, attribute: AttributeDef) -> set[str]:
        return self.sub_attributes.get(_key(schema, attribute), set())


def _key(schema: SchemaDef, attribute: AttributeDef) -> AttributeKey:
    return schema.id.lower(), attribute.name.lower()


def _resolve_names(names: list[str], rtype: ResourceTypeDef) -> _Selection:
    selection = _Selection()
    for name in names:
        if name.lower() in (urn.lower() for urn in rtype.schema_ids):
            selection.schemas.add(name.lower())
            continue

        try:
            node = Path(name).ast
        except SCIMException:
            continue
        if not isinstance(node, AttrPath):
            continue

        resolved = resolve_attr_path(rtype, node)
        if resolved is None:
            continue
        key = _key(resolved.schema, resolved.attribute)
        if resolved.sub_attribute is None:
            selection.attributes.add(key)
        else:
            selection.sub_attributes.setdefault(key, set()).add(resolved.sub_attribute.name.lower())
    return selection


def project(
    resource: dict[str, Any],
    rtype: ResourceTypeDef,
    attributes: list[str] | None,
    excluded_attributes: list[str] | None,
) -> dict[str, Any]:
    """Return a copy of ``resource`` containing only the attributes a response returns.

    Keys the resource type does not define are kept only when ``attributes`` is not
    given. An extension object left empty is dropped. The projection rules are
    computed once per resource type and parameter pair and then reused.
    """
    return _cached_projection(rtype, attributes, excluded_attributes).apply(resource)


_CACHE: dict[tuple[int, tuple[str, ...] | None, tuple[str, ...] | None], Projection] = {}


def _cached_projection(
    rtype: ResourceTypeDef, attributes: list[str] | None, excluded: list[str] | None
) -> Projection:
    # Keyed by identity because hashing a ResourceTypeDef walks its whole schema.
    # The cached Projection keeps a reference to rtype, so the id cannot be reused
    # by another object while the entry exists.
    key = (
        id(rtype),
        tuple(attributes) if attributes else None,
        tuple(excluded) if excluded else None,
    )
    cached = _CACHE.get(key)
    if cached is not None and cached.rtype is rtype:
        return cached

    if len(_CACHE) >= _MAX_CACHED_PROJECTIONS:
        _CACHE.clear()
    projection = Projection(rtype, attributes, excluded)
    _CACHE[key] = projection
    return projection


SubAttributeRule = dict[str, bool]
"""Whether each sub-attribute, keyed by lower-case name, is returned."""


@dataclass(frozen=True)
class _AttributeRule:
    """The copy rule of one returned attribute.

    ``sub_attributes`` is None for an attribute copied whole. ``keep_undefined``
    tells whether sub-attribute keys the schema does not define are copied.
    """

    sub_attributes: SubAttributeRule | None
    keep_undefined: bool


class Projection:
    """The projection rules of one resource type and one pair of parameters.

    It is computed once from ``attributes`` and ``excludedAttributes`` and then
    applied to many resources.
    """

    def __init__(
        self,
        rtype: ResourceTypeDef,
        attributes: list[str] | None,
        excluded_attributes: list[str] | None,
    ) -> None:
        self.rtype = rtype
        requested = _resolve_names(attributes, rtype) if attributes else None
        excluded = _resolve_names(excluded_attributes or [], rtype)
        self._keep_undefined = requested is None

        core = {attribute.name.lower(): attribute for attribute in COMMON_ATTRIBUTES}
        core.update({attribute.name.lower(): attribute for attribute in rtype.schema.attributes})
        self._core = _rules(rtype.schema, core.values(), requested, excluded)
        self._extensions = {
            extension.id.lower(): _rules(extension, extension.attributes, requested, excluded)
            for extension in rtype.extensions
        }

    def apply(self, resource: dict[str, Any]) -> dict[str, Any]:
        """Return a copy of ``resource`` containing only the returned attributes."""
        result: dict[str, Any] = {}
        for key, value in resource.items():
            lowered = key.lower()
            if lowered in _ALWAYS_KEPT:
                result[key] = _copy(value)
                continue

            extension_rules = self._extensions.get(lowered)
            if extension_rules is not None:
                projected = self._project_object(value, extension_rules)
                if projected:
                    result[key] = projected
                continue

            self._project_into(result, key, value, self._core)
        return self._drop_absent_schemas(result)

    def _drop_absent_schemas(self, result: dict[str, Any]) -> dict[str, Any]:
        """Keep in ``schemas`` only the extensions whose attributes are still present."""
        schemas = result.get("schemas")
        if not isinstance(schemas, list):
            return result
        present = {key.lower() for key in result}
        result["schemas"] = [
            urn
            for urn in schemas
            if not isinstance(urn, str)
            or urn.lower() not in self._extensions
            or urn.lower() in present
        ]
        return result

    def _project_object(
        self, value: Any, rules: dict[str, _AttributeRule | None]
    ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            return None
        result: dict[str, Any] = {}
        for key, item in value.items():
            self._project_into(result, key, item, rules)
        return result

    def _project_into(
        self,
        result: dict[str, Any],
        key: str,
        value: Any,
        rules: dict[str, _AttributeRule | None],
    ) -> None:
        lowered = key.lower()
        if lowered not in rules:
            if self._keep_undefined:
                result[key] = _copy(value)
            return

        rule = rules[lowered]
        if rule is None:
            return
        kept = value if rule.sub_attributes is None else _filter_sub_attributes(value, rule)
        if kept is not None:
            result[key] = _copy(kept)


def _rules(
    schema: SchemaDef,
    attributes: Any,
    requested: _Selection | None,
    excluded: _Selection,
) -> dict[str, _AttributeRule | None]:
    """Map each attribute's lower-case name to its rule, or to None when it is not returned."""
    return {
        attribute.name.lower(): _attribute_rule(schema, attribute, requested, excluded)
        for attribute in attributes
    }


def _attribute_rule(
    schema: SchemaDef,
    attribute: AttributeDef,
    requested: _Selection | None,
    excluded: _Selection,
) -> _AttributeRule | None:
    returned = attribute.returned
    if returned is Returned.NEVER:
        return None

    named = requested is not None and requested.names_attribute(schema, attribute)
    named_subs = requested.named_subs(schema, attribute) if requested is not None else set()

    if returned is not Returned.ALWAYS:
        if requested is None and returned is Returned.REQUEST:
            return None
        if requested is not None and not named and not named_subs:
            return None
        if excluded.names_attribute(schema, attribute):
            return None

    if attribute.type is not AttributeType.COMPLEX:
        return _AttributeRule(None, keep_undefined=True)

    excluded_subs = excluded.named_subs(schema, attribute)
    subs = {
        sub.name.lower(): _keep_sub_attribute(sub, named, named_subs, excluded_subs)
        for sub in attribute.sub_attributes
    }
    # A key the schema does not define is returned unless specific sub-attributes
    # were requested.
    return _AttributeRule(subs, keep_undefined=named or not named_subs)


def _keep_sub_attribute(
    sub: AttributeDef, named: bool, named_subs: set[str], excluded_subs: set[str]
) -> bool:
    if sub.returned is Returned.NEVER:
        return False
    if sub.returned is Returned.ALWAYS:
        return True
    if sub.name.lower() in excluded_subs:
        return False
    if named:
        return True
    if named_subs:
        return sub.name.lower() in named_subs
    return sub.returned is not Returned.REQUEST


def _filter_sub_attributes(value: Any, rule: _AttributeRule) -> Any:
    """Keep the sub-attributes the rule returns, dropping entries and values left empty."""
    if isinstance(value, list):
        entries = [_filter_sub_attributes(entry, rule) for entry in value]
        entries = [entry for entry in entries if entry is not None]
        return entries or None

    if not isinstance(value, dict):
        return value

    assert rule.sub_attributes is not None
    result = {
        key: item
        for key, item in value.items()
        if rule.sub_attributes.get(key.lower(), rule.keep_undefined)
    }
    return result or None


def _copy(value: Any) -> Any:
    """Copy a JSON value, which is faster than copy.deepcopy on plain dicts and lists."""
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy(item) for item in value]
    return value
