"""Checks and normalisation of resources sent by SCIM clients (POST and PUT bodies).

The rules are tolerant where real clients differ harmlessly from RFC 7643 and
strict where a wrong value would reach the target:

- attribute names are matched case-insensitively and rewritten to the schema's spelling;
- ``"True"`` / ``"False"`` strings are accepted for booleans (Entra ID sends them),
  and strings of digits for integers;
- a value of the wrong type is rejected with 400 ``invalidValue`` naming the attribute;
- read-only attributes are dropped, which RFC 7644 §3.3 has a service provider
  ignore on input, and so are attributes RFC 7643 defines that the connector does
  not map (clients send full RFC objects, ``password`` and ``locale`` included);
- any other attribute or sub-attribute name is answered 400 ``invalidSyntax``
  naming it, so a misspelt client mapping is seen at once instead of losing its value;
- ``schemas``, when sent, must name only schemas of the resource type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from scimbridge.errors import InvalidSyntax, InvalidValue
from scimbridge.scim.rfc_attributes import defined_by_rfc, is_rfc_schema, sub_attribute_by_rfc
from scimbridge.scim.schema import AttributeDef, AttributeType, Mutability, ResourceTypeDef

_KEEP = {"schemas", "id", "externalid", "meta"}


def prepare_resource(body: Any, rtype: ResourceTypeDef) -> dict[str, Any]:
    """Return a normalised copy of a resource body, or raise a SCIM error."""
    if not isinstance(body, dict):
        raise InvalidSyntax(f"the request body must be a JSON object describing a {rtype.name}")

    _check_schemas(body.get("schemas"), rtype)
    resource: dict[str, Any] = {"schemas": rtype.schema_ids[:1]}
    for key, value in body.items():
        lowered = key.lower()
        if lowered in _KEEP:
            if lowered == "externalid" and value is not None:
                resource["externalId"] = _string(value, "externalId")
            continue
        extension = rtype.extension(key)
        if extension is not None:
            if not isinstance(value, Mapping):
                raise InvalidValue(f"extension {key} must be a JSON object")
            resource[extension.id] = _prepare_attributes(
                value, extension.attributes, schema_id=extension.id, rtype=rtype
            )
            continue
        if key.lower() == rtype.schema.id.lower():
            raise InvalidSyntax(
                f"send the attributes of {rtype.schema.id} at the top level of the body, "
                "not inside an object named after the schema"
            )
        if is_rfc_schema(key):
            _check_rfc_extension(key, value, rtype)
            continue
        attribute = rtype.schema.attribute(key)
        if attribute is None:
            _check_known(rtype.schema.id, key, rtype)
            continue
        if value is None:
            continue
        prepared = _prepare_value(value, attribute, attribute.name)
        if attribute.mutability is not Mutability.READ_ONLY:
            resource[attribute.name] = prepared
    return resource


def _check_schemas(schemas: Any, rtype: ResourceTypeDef) -> None:
    if schemas is None:
        return
    if not isinstance(schemas, list) or not all(isinstance(item, str) for item in schemas):
        raise InvalidSyntax("schemas must be a list of schema URNs")
    known = {urn.lower() for urn in rtype.schema_ids}
    # An RFC schema the type lacks, such as the enterprise extension on a target
    # without one, is tolerated: clients list it by habit.
    unknown = [urn for urn in schemas if urn.lower() not in known and not is_rfc_schema(urn)]
    if unknown:
        raise InvalidValue(
            f"schemas names {', '.join(unknown)}, which the {rtype.name} resource type does not "
            f"have; use {', '.join(rtype.schema_ids)}"
        )


def _check_known(schema_id: str, name: str, rtype: ResourceTypeDef) -> None:
    """Raise unless RFC 7643 defines ``name`` in ``schema_id`` (then it is ignored)."""
    if defined_by_rfc(schema_id, name):
        return
    published = ", ".join(attribute.name for attribute in rtype.schema.attributes)
    raise InvalidSyntax(
        f"{rtype.name} has no attribute {name!r} in {schema_id}; remove it from the "
        f"request or the client's attribute mapping (GET /Schemas lists them: {published})"
    )


def _check_rfc_extension(urn: str, value: Any, rtype: ResourceTypeDef) -> None:
    """Check an RFC schema's object the resource type does not have; its values are ignored."""
    if not isinstance(value, Mapping):
        raise InvalidValue(f"extension {urn} must be a JSON object")
    for name in value:
        if not defined_by_rfc(urn, name):
            raise InvalidSyntax(
                f"{urn} has no attribute {name!r}; remove it from the request or the "
                "client's attribute mapping"
            )


def _prepare_attributes(
    values: Mapping[str, Any],
    attributes: tuple[AttributeDef, ...],
    *,
    schema_id: str,
    rtype: ResourceTypeDef,
) -> dict[str, Any]:
    return _prepare_object(
        values,
        attributes,
        prefix=f"{schema_id}:",
        check_unknown=lambda name: _check_known(schema_id, name, rtype),
    )


def _prepare_sub_attributes(
    values: Mapping[str, Any], parent: AttributeDef, path: str
) -> dict[str, Any]:
    # Sub-attributes RFC 7643 defines but the schema lacks, such as the
    # `display` of every multi-valued attribute, are dropped because clients
    # echo them from reads. Any other name is a client error.
    return _prepare_object(
        values,
        parent.sub_attributes,
        prefix=f"{path}.",
        check_unknown=lambda name: _check_known_sub_attribute(parent, name, path),
    )


def _prepare_object(
    values: Mapping[str, Any],
    attributes: tuple[AttributeDef, ...],
    *,
    prefix: str,
    check_unknown: Callable[[str], None],
) -> dict[str, Any]:
    """Check each value of a JSON object against ``attributes`` and drop read-only ones."""
    prepared: dict[str, Any] = {}
    by_name = {attribute.name.lower(): attribute for attribute in attributes}
    for key, value in values.items():
        attribute = by_name.get(key.lower())
        if attribute is None:
            check_unknown(key)
            continue
        if value is None:
            continue

        checked = _prepare_value(value, attribute, f"{prefix}{attribute.name}")
        if attribute.mutability is not Mutability.READ_ONLY:
            prepared[attribute.name] = checked
    return prepared


def _check_known_sub_attribute(parent: AttributeDef, name: str, path: str) -> None:
    if sub_attribute_by_rfc(parent.name, name):
        return

    known = ", ".join(attribute.name for attribute in parent.sub_attributes)
    raise InvalidSyntax(
        f"{path} has no sub-attribute {name!r} (it has {known}); remove it from the request "
        "or the client's attribute mapping"
    )


def _prepare_value(value: Any, attribute: AttributeDef, path: str) -> Any:
    if attribute.multi_valued:
        items = value if isinstance(value, list) else [value]
        return [_prepare_single(item, attribute, path) for item in items if item is not None]
    if isinstance(value, list):
        raise InvalidValue(f"{path} takes a single value, not a list")
    return _prepare_single(value, attribute, path)


def _prepare_single(value: Any, attribute: AttributeDef, path: str) -> Any:
    kind = attribute.type
    if kind is AttributeType.COMPLEX:
        if not isinstance(value, Mapping):
            raise InvalidValue(f"{path} must be a JSON object with sub-attributes")
        return _prepare_sub_attributes(value, attribute, path)
    if kind is AttributeType.BOOLEAN:
        return coerce_boolean(value, path)
    if kind is AttributeType.INTEGER:
        return coerce_integer(value, path)
    if kind is AttributeType.DECIMAL:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidValue(f"{path} must be a number, got {value!r}")
        return value
    if kind is AttributeType.DATETIME:
        text = _string(value, path)
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError as exc:
            raise InvalidValue(f"{path} must be an ISO 8601 date-time, got {text!r}") from exc
        return text
    return _string(value, path)


def coerce_integer(value: Any, path: str) -> int:
    """Accept an integer, an integral number such as 2.0, or a string of digits such as "2".

    Clients that keep every attribute as text send integers as strings, and a
    suggested (canonical) value is always a string in /Schemas.
    """
    if isinstance(value, bool):
        raise InvalidValue(f"{path} must be an integer, got {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    raise InvalidValue(f"{path} must be an integer, got {value!r}")


def coerce_boolean(value: Any, path: str) -> bool:
    """Accept JSON booleans and the strings "true"/"false" in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidValue(f"{path} must be true or false, got {value!r}")


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise InvalidValue(f"{path} must be a string, got {value!r}")
    return value
