"""Tests of the attributes and excludedAttributes projection."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scimbridge.scim.projection import parse_attribute_list, project
from scimbridge.scim.schema import (
    AttributeDef,
    AttributeType,
    ResourceTypeDef,
    Returned,
    SchemaDef,
)
from tests.unit.test_filtering import BJENSEN, ENTERPRISE, USER_SCHEMA, USER_TYPE

FULL: dict[str, Any] = {
    **copy.deepcopy(BJENSEN),
    "password": "secret",
    "costCenterNote": "internal",
}


def select(
    attributes: list[str] | None = None, excluded: list[str] | None = None
) -> dict[str, Any]:
    return project(FULL, USER_TYPE, attributes, excluded)


PARSE_CASES = [
    (None, None),
    ("", None),
    (" , ,", None),
    ("userName", ["userName"]),
    ("userName, name.givenName ,emails", ["userName", "name.givenName", "emails"]),
    (f"{ENTERPRISE}:employeeNumber", [f"{ENTERPRISE}:employeeNumber"]),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES)
def test_parse_attribute_list(text: str | None, expected: list[str] | None) -> None:
    assert parse_attribute_list(text) == expected


def test_default_projection() -> None:
    result = select()

    assert "password" not in result
    assert "costCenterNote" not in result
    assert result["userName"] == "bjensen"
    assert result["emails"] == BJENSEN["emails"]
    assert result[ENTERPRISE] == BJENSEN[ENTERPRISE]
    assert result["meta"] == BJENSEN["meta"]


def test_attributes_selects() -> None:
    result = select(["userName"])

    assert result == {"schemas": [USER_SCHEMA], "id": "2819c223", "userName": "bjensen"}


def test_attributes_case_insensitive() -> None:
    result = select(["USERNAME", "DisplayName"])

    assert result["userName"] == "bjensen"
    assert result["displayName"] == "Babs Jensen"


def test_attributes_sub_attribute() -> None:
    result = select(["name.givenName"])

    assert result["name"] == {"givenName": "Barbara"}
    assert "userName" not in result


def test_attributes_multi_valued_sub_attribute() -> None:
    result = select(["emails.value"])

    assert result["emails"] == [{"value": "bjensen@example.com"}, {"value": "babs@jensen.org"}]


def test_attributes_two_sub_attributes() -> None:
    result = select(["emails.value", "emails.type"])

    assert result["emails"] == [
        {"value": "bjensen@example.com", "type": "work"},
        {"value": "babs@jensen.org", "type": "home"},
    ]


def test_attributes_urn_qualified() -> None:
    result = select([f"{ENTERPRISE}:employeeNumber"])

    assert result[ENTERPRISE] == {"employeeNumber": "701984"}


def test_attributes_urn_sub_attribute() -> None:
    result = select([f"{ENTERPRISE}:manager.value"])

    assert result[ENTERPRISE] == {"manager": {"value": "26118915"}}


def test_attributes_whole_extension() -> None:
    result = select([ENTERPRISE])

    assert result[ENTERPRISE] == BJENSEN[ENTERPRISE]
    assert "userName" not in result


def test_attributes_core_urn_qualified() -> None:
    result = select([f"{USER_SCHEMA}:userName"])

    assert result["userName"] == "bjensen"


def test_attributes_unqualified_extension_name() -> None:
    result = select(["employeeNumber"])

    assert result[ENTERPRISE] == {"employeeNumber": "701984"}


def test_attributes_request_returned() -> None:
    result = select(["costCenterNote"])

    assert result["costCenterNote"] == "internal"


def test_attributes_never_returned() -> None:
    result = select(["password", "userName"])

    assert "password" not in result
    assert result["userName"] == "bjensen"


def test_unknown_names_ignored() -> None:
    result = select(["title", "name.middleName", "urn:example:x:y", 'emails[type eq "work"]'])

    assert result == {"schemas": [USER_SCHEMA], "id": "2819c223"}


def test_id_and_schemas_always() -> None:
    result = select(excluded=["id", "schemas", "userName"])

    assert result["id"] == "2819c223"
    assert result["schemas"] == BJENSEN["schemas"]
    assert "userName" not in result


def test_schemas_lists_present_extensions() -> None:
    without = select(["userName"])
    with_extension = select(["userName", f"{ENTERPRISE}:employeeNumber"])

    assert without["schemas"] == [USER_SCHEMA]
    assert with_extension["schemas"] == [USER_SCHEMA, ENTERPRISE]


def test_excluded_attribute() -> None:
    result = select(excluded=["emails", "name"])

    assert "emails" not in result
    assert "name" not in result
    assert result["displayName"] == "Babs Jensen"


def test_excluded_sub_attribute() -> None:
    result = select(excluded=["name.formatted", "emails.primary"])

    assert result["name"] == {"givenName": "Barbara", "familyName": "Jensen"}
    assert result["emails"][0] == {"value": "bjensen@example.com", "type": "work"}


def test_excluded_extension_attribute() -> None:
    result = select(excluded=[f"{ENTERPRISE}:manager"])

    assert result[ENTERPRISE] == {"employeeNumber": "701984", "department": "Tour Operations"}


def test_excluded_whole_extension() -> None:
    result = select(excluded=[ENTERPRISE])

    assert ENTERPRISE not in result


def test_excluded_case_insensitive() -> None:
    result = select(excluded=["EMAILS.TYPE"])

    assert "type" not in result["emails"][0]


def test_attributes_then_excluded() -> None:
    result = select(["name", "userName"], ["name.formatted"])

    assert result["name"] == {"givenName": "Barbara", "familyName": "Jensen"}
    assert result["userName"] == "bjensen"


def test_empty_complex_dropped() -> None:
    resource = {**FULL, "name": {"familyName": "Jensen"}}
    result = project(resource, USER_TYPE, ["name.givenName"], None)

    assert "name" not in result


def test_input_not_mutated() -> None:
    original = copy.deepcopy(FULL)
    result = select(["emails.value"])
    result["schemas"].append("x")

    assert original == FULL


ALWAYS_TYPE = ResourceTypeDef(
    name="Device",
    endpoint="/Devices",
    description="Devices",
    schema=SchemaDef(
        "urn:example:scim:Device",
        "Device",
        "Device",
        (
            AttributeDef("id", returned=Returned.ALWAYS),
            AttributeDef("serial", returned=Returned.ALWAYS),
            AttributeDef("label"),
            AttributeDef(
                "owner",
                AttributeType.COMPLEX,
                sub_attributes=(
                    AttributeDef("value", returned=Returned.ALWAYS),
                    AttributeDef("display"),
                    AttributeDef("secret", returned=Returned.NEVER),
                    AttributeDef("note", returned=Returned.REQUEST),
                ),
            ),
        ),
    ),
)

DEVICE: dict[str, Any] = {
    "id": "d1",
    "serial": "SN-1",
    "label": "Laptop",
    "owner": {"value": "u1", "display": "Alice", "secret": "s", "note": "n"},
    "vendorData": {"x": 1},
}


def test_always_attribute_kept() -> None:
    selected = project(DEVICE, ALWAYS_TYPE, ["label"], None)
    excluded = project(DEVICE, ALWAYS_TYPE, None, ["serial"])

    assert selected["serial"] == "SN-1"
    assert excluded["serial"] == "SN-1"


def test_sub_attribute_rules_default() -> None:
    result = project(DEVICE, ALWAYS_TYPE, None, None)

    assert result["owner"] == {"value": "u1", "display": "Alice"}


def test_sub_attribute_rules_partial() -> None:
    result = project(DEVICE, ALWAYS_TYPE, ["owner.display"], None)

    assert result["owner"] == {"value": "u1", "display": "Alice"}


def test_sub_attribute_request_named() -> None:
    result = project(DEVICE, ALWAYS_TYPE, ["owner.note"], None)

    assert result["owner"] == {"value": "u1", "note": "n"}


def test_sub_attribute_always_not_excluded() -> None:
    result = project(DEVICE, ALWAYS_TYPE, None, ["owner.value", "owner.display"])

    assert result["owner"] == {"value": "u1"}


def test_undefined_keys() -> None:
    default = project(DEVICE, ALWAYS_TYPE, None, None)
    selected = project(DEVICE, ALWAYS_TYPE, ["label"], None)

    assert default["vendorData"] == {"x": 1}
    assert "vendorData" not in selected
