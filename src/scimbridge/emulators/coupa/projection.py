"""The ``fields`` and ``return_object`` response shapes.

``fields`` is a JSON array of attribute names, where an object selects
attributes of an association: ``["id","login",{"roles":["id","name"]}]``.
``return_object=limited`` sends only ``id``, ``shallow`` keeps the object's own
attributes and reduces every association to ``id`` and its natural keys, and
``none`` (POST and PUT only) sends an empty body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from scimbridge.emulators.coupa.errors import invalid
from scimbridge.emulators.coupa.query import hyphenate
from scimbridge.emulators.coupa.schemas import NATURAL_KEYS, SCHEMAS

RETURN_OBJECTS = ("limited", "shallow", "none")

Rendered = dict[str, Any]


@dataclass(frozen=True)
class Shape:
    """How to cut a rendered object down before it is sent."""

    fields: list[Any] | None = None
    return_object: str | None = None

    @property
    def empty_body(self) -> bool:
        """Return True when the response carries no body (``return_object=none``)."""
        return self.return_object == "none"


def parse_shape(
    parameters: Mapping[str, str], schema_name: str, resource: str, *, write: bool
) -> Shape:
    """Read ``fields`` and ``return_object``; 400 when invalid, unknown or combined."""
    raw_fields = _parameter(parameters, "fields")
    return_object = _parameter(parameters, "return_object")
    if raw_fields is not None and return_object is not None:
        raise invalid(resource, "Send either fields or return_object, not both")

    if return_object is not None:
        if return_object not in RETURN_OBJECTS:
            raise invalid(
                resource, f"return_object must be limited, shallow or none, got {return_object!r}"
            )
        if return_object == "none" and not write:
            raise invalid(resource, "return_object=none applies only to POST and PUT calls")
        return Shape(return_object=return_object)

    if raw_fields is None:
        return Shape()
    try:
        fields = json.loads(raw_fields)
    except json.JSONDecodeError:
        raise invalid(resource, f"fields must be a JSON array, got {raw_fields!r}") from None
    _check_fields(fields, schema_name, resource)
    return Shape(fields=fields)


def _parameter(parameters: Mapping[str, str], name: str) -> str | None:
    for spelling in (name, name.replace("_", "-")):
        if spelling in parameters:
            return parameters[spelling]
    return None


def _check_fields(fields: Any, schema_name: str, resource: str) -> None:
    if not isinstance(fields, list):
        raise invalid(resource, "fields must be a JSON array of names and objects")

    schema = SCHEMAS[schema_name]
    for item in fields:
        if isinstance(item, str):
            if hyphenate(item) not in schema:
                raise invalid(resource, f"Unknown attribute {item!r} in fields")
            continue
        if not isinstance(item, dict):
            raise invalid(resource, f"fields entries must be names or objects, got {item!r}")
        for name, nested_fields in item.items():
            field_type = schema.get(hyphenate(name))
            if field_type is None or field_type.nested is None:
                raise invalid(resource, f"{name!r} in fields is not an association")
            _check_fields(nested_fields, field_type.nested, resource)


def shape_attributes(shape: Shape) -> frozenset[str] | None:
    """Return the top-level attributes that ``apply_shape`` reads, or None when it reads all."""
    if shape.fields is not None:
        names: set[str] = set()
        for item in shape.fields:
            if isinstance(item, str):
                names.add(hyphenate(item))
            else:
                names.update(hyphenate(name) for name in item)
        return frozenset(names)
    if shape.return_object == "limited":
        return frozenset({"id"})
    return None


def apply_shape(rendered: Rendered, shape: Shape, schema_name: str) -> Rendered:
    """Cut a rendered object down to ``shape``."""
    if shape.fields is not None:
        return _select(rendered, shape.fields, schema_name)
    if shape.return_object == "limited":
        return {"id": rendered["id"]}
    if shape.return_object == "shallow":
        return _shallow(rendered, schema_name)
    return rendered


def _select(rendered: Rendered, fields: list[Any], schema_name: str) -> Rendered:
    schema = SCHEMAS[schema_name]
    selected: Rendered = {}
    for item in fields:
        if isinstance(item, str):
            name = hyphenate(item)
            selected[name] = rendered.get(name)
            continue
        for raw_name, nested_fields in item.items():
            name = hyphenate(raw_name)
            nested = schema[name].nested
            assert nested is not None
            select_nested = partial(_select, fields=nested_fields, schema_name=nested)
            selected[name] = _each(rendered.get(name), select_nested)
    return selected


def _shallow(rendered: Rendered, schema_name: str) -> Rendered:
    schema = SCHEMAS[schema_name]
    result: Rendered = {}
    for name, value in rendered.items():
        nested = schema[name].nested
        if nested is None:
            result[name] = value
            continue
        keys = ("id", *NATURAL_KEYS.get(nested, ()))
        result[name] = _each(value, partial(_keep, keys=keys))
    return result


def _keep(rendered: Rendered, keys: tuple[str, ...]) -> Rendered:
    return {key: rendered.get(key) for key in keys}


def _each(value: Any, transform: Callable[[Rendered], Rendered]) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [transform(item) for item in value]
    return transform(value)
