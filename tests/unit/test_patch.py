"""Tests of PATCH parsing and application on resource dictionaries."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from scimbridge.errors import (
    InvalidFilter,
    InvalidPath,
    InvalidSyntax,
    InvalidValue,
    Mutability,
    NoTarget,
)
from scimbridge.scim.patch import PATCH_OP_SCHEMA, PatchOperation, parse_patch_request
from scimbridge.scim.patch_apply import apply_operations
from scimbridge.scim.patch_intent import member_changes, operation_touches, touched_attributes
from scimbridge.scim.schema import ResourceTypeDef
from tests.unit.test_filtering import BJENSEN, ENTERPRISE, GROUP_TYPE, USER_SCHEMA, USER_TYPE, user


def body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP_SCHEMA], "Operations": list(operations)}


def parse(*operations: dict[str, Any], rtype: ResourceTypeDef = USER_TYPE) -> list[PatchOperation]:
    return parse_patch_request(body(*operations), rtype)


def patch(
    resource: dict[str, Any], *operations: dict[str, Any], rtype: ResourceTypeDef = USER_TYPE
) -> dict[str, Any]:
    return apply_operations(resource, parse(*operations, rtype=rtype), rtype)


GROUP: dict[str, Any] = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "g1",
    "displayName": "Admins",
    "members": [
        {"value": "u1", "display": "Alice"},
        {"value": "u2", "display": "Bob"},
    ],
}


# Message structure


MALFORMED_BODIES = [
    ([], "JSON object"),
    ({"Operations": [{"op": "add", "path": "displayName", "value": "x"}]}, PATCH_OP_SCHEMA),
    ({"schemas": [USER_SCHEMA], "Operations": []}, PATCH_OP_SCHEMA),
    ({"schemas": [PATCH_OP_SCHEMA], "Operations": []}, "non-empty"),
    ({"schemas": [PATCH_OP_SCHEMA], "Operations": {"op": "add"}}, "non-empty"),
    ({"schemas": [PATCH_OP_SCHEMA]}, "Operations"),
    (body("add"), "Operation 0"),
    (body({"op": "merge", "path": "displayName", "value": "x"}), "'merge'"),
    (body({"path": "displayName", "value": "x"}), "None"),
]


@pytest.mark.parametrize(("message", "fragment"), MALFORMED_BODIES)
def test_malformed_message(message: Any, fragment: str) -> None:
    with pytest.raises(InvalidSyntax) as caught:
        parse_patch_request(message, USER_TYPE)

    assert fragment in caught.value.detail


def test_message_keys_case_insensitive() -> None:
    message = {
        "SCHEMAS": [PATCH_OP_SCHEMA.upper()],
        "operations": [{"OP": "Replace", "Path": "displayName", "Value": "x"}],
    }
    operations = parse_patch_request(message, USER_TYPE)

    assert len(operations) == 1
    assert operations[0].op == "replace"
    assert operations[0].value == "x"


@pytest.mark.parametrize(
    ("name", "expected"), [("Add", "add"), ("REPLACE", "replace"), ("Remove", "remove")]
)
def test_op_name_any_case(name: str, expected: str) -> None:
    operations = parse({"op": name, "path": "displayName", "value": "x"})

    assert operations[0].op == expected


def test_stray_operation_keys_ignored() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "path": "displayName", "value": "Barbara", "id": "op-1", "name": "x"},
    )

    assert result["displayName"] == "Barbara"


def test_remove_without_path() -> None:
    with pytest.raises(NoTarget) as caught:
        parse({"op": "remove", "value": {"displayName": "x"}})

    assert "path" in caught.value.detail


@pytest.mark.parametrize("value", ["x", 5, None, [], ["x"]])
def test_pathless_needs_object(value: Any) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse({"op": "add", "value": value})

    assert "object of attributes" in caught.value.detail


def test_path_without_value() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse({"op": "add", "path": "displayName"})

    assert "no 'value'" in caught.value.detail


# Path resolution errors


INVALID_PATHS = [
    ("title", "'title'"),
    ("name.middleName", "'middleName'"),
    ('emails[kind eq "work"].value', "'kind'"),
    ("emails[type eq", "Invalid path"),
    ('displayName[value eq "x"]', "single-valued"),
    (f"{ENTERPRISE}:costCenter", "costCenter"),
    ("urn:example:other:2.0:User:userName", "userName"),
]


@pytest.mark.parametrize(("path", "fragment"), INVALID_PATHS)
def test_invalid_path(path: str, fragment: str) -> None:
    with pytest.raises(InvalidPath) as caught:
        parse({"op": "replace", "path": path, "value": "x"})

    assert fragment in caught.value.detail


def test_invalid_path_type() -> None:
    with pytest.raises(InvalidPath):
        parse({"op": "replace", "path": 5, "value": "x"})


def test_unknown_pathless_key() -> None:
    with pytest.raises(InvalidPath) as caught:
        parse({"op": "replace", "value": {"title": "x"}})

    assert "'title'" in caught.value.detail


def test_unknown_extension_key() -> None:
    with pytest.raises(InvalidPath) as caught:
        parse({"op": "replace", "value": {ENTERPRISE: {"costCenter": "x"}}})

    assert "'costCenter'" in caught.value.detail


def test_unknown_sub_attribute_in_value() -> None:
    [operation] = parse({"op": "add", "path": "emails", "value": [{"value": "a@b", "label": "x"}]})

    assert operation.value == [{"value": "a@b"}]


# Value coercion


BOOLEAN_STRINGS = [
    ("True", True),
    ("False", False),
    ("true", True),
    ("false", False),
    ("FALSE", False),
]


@pytest.mark.parametrize(("text", "expected"), BOOLEAN_STRINGS)
def test_boolean_string_with_path(text: str, expected: bool) -> None:
    result = patch(BJENSEN, {"op": "Replace", "path": "active", "value": text})

    assert result["active"] is expected


@pytest.mark.parametrize(("text", "expected"), BOOLEAN_STRINGS)
def test_boolean_string_pathless(text: str, expected: bool) -> None:
    result = patch(BJENSEN, {"op": "replace", "value": {"active": text}})

    assert result["active"] is expected


def test_boolean_string_in_entries() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "path": "emails", "value": [{"value": "a@b.c", "primary": "True"}]},
    )

    assert result["emails"] == [{"value": "a@b.c", "primary": True}]


def test_boolean_string_dotted_key() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "path": 'emails[type eq "home"].primary', "value": "true"},
    )

    assert result["emails"][1]["primary"] is True


INVALID_VALUES = [
    ("active", "yes", "true or false"),
    ("loginCount", "abc", "integer"),
    ("loginCount", True, "integer"),
    ("loginCount", 1.5, "integer"),
    ("quota", "2.5", "number"),
    ("userName", 5, "string"),
    ("displayName", ["a", "b"], "single value"),
    ("name", "Barbara", "object"),
    ("meta.created", "x", "read-only"),
]


@pytest.mark.parametrize(("path", "value", "fragment"), INVALID_VALUES)
def test_invalid_value(path: str, value: Any, fragment: str) -> None:
    with pytest.raises((InvalidValue, Mutability)) as caught:
        parse({"op": "replace", "path": path, "value": value})

    assert fragment in caught.value.detail


def test_datetime_value() -> None:
    result = patch(
        BJENSEN, {"op": "add", "path": f"{ENTERPRISE}:startDate", "value": "2024-02-01T09:00:00Z"}
    )

    assert result[ENTERPRISE]["startDate"] == "2024-02-01T09:00:00Z"


def test_invalid_datetime_value() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse({"op": "add", "path": f"{ENTERPRISE}:startDate", "value": "next monday"})

    assert "ISO 8601" in caught.value.detail


def test_number_coercion() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": "loginCount", "value": 7.0})

    assert result["loginCount"] == 7
    assert isinstance(result["loginCount"], int)


def test_single_item_list_unwrapped() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": "displayName", "value": ["Babs"]})

    assert result["displayName"] == "Babs"


def test_manager_bare_string() -> None:
    result = patch(BJENSEN, {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": "999"})

    assert result[ENTERPRISE]["manager"] == {"value": "999", "displayName": "John Smith"}


def test_manager_bare_string_pathless() -> None:
    result = patch(
        user(**{ENTERPRISE: None}),
        {"op": "add", "value": {f"{ENTERPRISE}:manager": "999"}},
    )

    assert result[ENTERPRISE] == {"manager": {"value": "999"}}


def test_sub_attribute_names_canonical() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "path": "NAME", "value": {"GIVENNAME": "Barb", "familyname": "J"}},
    )

    assert result["name"] == {
        "givenName": "Barb",
        "familyName": "J",
        "formatted": "Ms. Barbara Jensen",
    }


def test_resource_key_case_normalized() -> None:
    resource = {"schemas": [USER_SCHEMA], "userName": "bjensen", "DisplayName": "old"}
    result = patch(resource, {"op": "replace", "path": "displayname", "value": "new"})

    assert result == {"schemas": [USER_SCHEMA], "userName": "bjensen", "displayName": "new"}


# Add


def test_add_single_valued() -> None:
    result = patch(user(displayName=None), {"op": "add", "path": "displayName", "value": "Babs"})

    assert result["displayName"] == "Babs"


def test_add_multi_valued_appends() -> None:
    new = {"value": "b@other.org", "type": "other"}
    result = patch(BJENSEN, {"op": "add", "path": "emails", "value": [new]})

    assert result["emails"] == [*BJENSEN["emails"], new]


def test_add_multi_valued_single_object() -> None:
    new = {"value": "b@other.org", "type": "other"}
    result = patch(BJENSEN, {"op": "add", "path": "emails", "value": new})

    assert result["emails"][-1] == new
    assert len(result["emails"]) == 3


def test_add_existing_entry_not_duplicated() -> None:
    existing = {"value": "BABS@jensen.org", "type": "home"}
    result = patch(BJENSEN, {"op": "add", "path": "emails", "value": [existing]})

    assert len(result["emails"]) == 2


def test_add_same_value_other_type() -> None:
    result = patch(
        BJENSEN,
        {"op": "add", "path": "emails", "value": [{"value": "babs@jensen.org", "type": "other"}]},
    )

    assert len(result["emails"]) == 3


def test_add_simple_multi_valued() -> None:
    result = patch(BJENSEN, {"op": "add", "path": "tags", "value": ["BLUE", "red"]})

    assert result["tags"] == ["blue", "Green", "red"]


def test_add_member_twice() -> None:
    result = patch(
        GROUP,
        {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u3"}]},
        rtype=GROUP_TYPE,
    )

    assert [member["value"] for member in result["members"]] == ["u1", "u2", "u3"]
    assert result["members"][0] == {"value": "u1", "display": "Alice"}


def test_add_complex_merges() -> None:
    result = patch(BJENSEN, {"op": "add", "path": "name", "value": {"givenName": "Barb"}})

    assert result["name"] == {
        "givenName": "Barb",
        "familyName": "Jensen",
        "formatted": "Ms. Barbara Jensen",
    }


def test_add_sub_attribute() -> None:
    result = patch(user(name=None), {"op": "add", "path": "name.familyName", "value": "Jensen"})

    assert result["name"] == {"familyName": "Jensen"}


# Replace


def test_replace_single_valued() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": "userName", "value": "barbara"})

    assert result["userName"] == "barbara"


def test_replace_multi_valued_replaces_all() -> None:
    new = [{"value": "only@example.com", "type": "work"}]
    result = patch(BJENSEN, {"op": "replace", "path": "emails", "value": new})

    assert result["emails"] == new


def test_replace_complex_keeps_other_sub_attributes() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": "name", "value": {"familyName": "Smith"}})

    assert result["name"]["familyName"] == "Smith"
    assert result["name"]["givenName"] == "Barbara"


def test_replace_filtered_sub_attribute() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"},
    )

    assert result["emails"][0] == {"value": "new@example.com", "type": "work", "primary": True}
    assert result["emails"][1] == BJENSEN["emails"][1]


def test_replace_filtered_entry_merges() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "path": 'emails[type eq "home"]', "value": {"value": "h@jensen.org"}},
    )

    assert result["emails"][1] == {"value": "h@jensen.org", "type": "home"}


def test_replace_filter_creates_entry() -> None:
    resource = user(emails=[{"value": "babs@jensen.org", "type": "home"}])
    result = patch(
        resource,
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "w@example.com"},
    )

    assert result["emails"] == [
        {"value": "babs@jensen.org", "type": "home"},
        {"type": "work", "value": "w@example.com"},
    ]


def test_add_filter_creates_entry() -> None:
    result = patch(
        user(emails=None),
        {
            "op": "Add",
            "path": 'emails[type eq "work" and primary eq true].value',
            "value": "w@x.org",
        },
    )

    assert result["emails"] == [{"type": "work", "primary": True, "value": "w@x.org"}]


def test_replace_filter_no_match_not_eq() -> None:
    with pytest.raises(NoTarget) as caught:
        patch(
            BJENSEN,
            {"op": "replace", "path": 'emails[value co "nothing"].type', "value": "work"},
        )

    assert "matches no entry" in caught.value.detail


def test_replace_entries_no_match() -> None:
    with pytest.raises(NoTarget):
        patch(
            BJENSEN,
            {"op": "replace", "path": 'emails[type eq "other"]', "value": {"value": "o@x.org"}},
        )


def test_add_entries_filter_no_match() -> None:
    result = patch(
        BJENSEN, {"op": "add", "path": 'emails[type eq "other"]', "value": {"value": "o@x.org"}}
    )

    assert result["emails"][-1] == {"type": "other", "value": "o@x.org"}


def test_replace_bare_comparison_path() -> None:
    result = patch(
        BJENSEN, {"op": "replace", "path": 'emails.type eq "home"', "value": {"value": "h@x.org"}}
    )

    assert result["emails"][1]["value"] == "h@x.org"


def test_replace_simple_multi_valued_filter() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": 'tags[value eq "green"]', "value": "teal"})

    assert result["tags"] == ["blue", "teal"]


def test_replace_sub_attribute_every_entry() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": "emails.type", "value": "other"})

    assert [email["type"] for email in result["emails"]] == ["other", "other"]


# Null values


def test_replace_null_removes() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": "displayName", "value": None})

    assert "displayName" not in result


def test_pathless_null_removes() -> None:
    result = patch(
        BJENSEN, {"op": "replace", "value": {"displayName": None, "name.givenName": None}}
    )

    assert "displayName" not in result
    assert result["name"] == {"familyName": "Jensen", "formatted": "Ms. Barbara Jensen"}


def test_add_null_sub_attribute_removes() -> None:
    result = patch(BJENSEN, {"op": "add", "path": "name.formatted", "value": None})

    assert "formatted" not in result["name"]


# Remove


def test_remove_attribute() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": "displayName"})

    assert "displayName" not in result


def test_remove_sub_attribute() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": "name.givenName"})

    assert result["name"] == {"familyName": "Jensen", "formatted": "Ms. Barbara Jensen"}


def test_remove_last_sub_attribute() -> None:
    result = patch(user(name={"givenName": "B"}), {"op": "remove", "path": "name.givenName"})

    assert "name" not in result


def test_remove_filtered_entries() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": 'emails[type eq "home"]'})

    assert result["emails"] == [BJENSEN["emails"][0]]


def test_remove_filtered_sub_attribute() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": 'emails[type eq "work"].primary'})

    assert result["emails"][0] == {"value": "bjensen@example.com", "type": "work"}


def test_remove_sub_attribute_every_entry() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": "emails.type"})

    assert result["emails"] == [
        {"value": "bjensen@example.com", "primary": True},
        {"value": "babs@jensen.org"},
    ]


def test_remove_last_entry_unassigns() -> None:
    result = patch(
        BJENSEN, {"op": "remove", "path": 'emails[value ew "@example.com" or type eq "home"]'}
    )

    assert "emails" not in result


def test_remove_no_match_unchanged() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": 'emails[type eq "other"]'})

    assert result == BJENSEN


def test_remove_absent_attribute() -> None:
    result = patch(user(displayName=None), {"op": "remove", "path": "displayName"})

    assert result == user(displayName=None)


def test_remove_simple_multi_valued_filter() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": 'tags[value eq "BLUE"]'})

    assert result["tags"] == ["Green"]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "remove", "path": "userName"},
        {"op": "replace", "path": "userName", "value": None},
        {"op": "replace", "value": {"userName": None}},
    ],
)
def test_remove_required(operation: dict[str, Any]) -> None:
    with pytest.raises(InvalidValue) as caught:
        patch(BJENSEN, operation)

    assert "userName is required" in caught.value.detail


def test_remove_required_group_name() -> None:
    with pytest.raises(InvalidValue):
        patch(GROUP, {"op": "remove", "path": "displayName"}, rtype=GROUP_TYPE)


def test_remove_members_value_array() -> None:
    result = patch(
        GROUP,
        {"op": "Remove", "path": "members", "value": [{"value": "u1"}, {"value": "u9"}]},
        rtype=GROUP_TYPE,
    )

    assert result["members"] == [{"value": "u2", "display": "Bob"}]


def test_remove_members_single_object() -> None:
    result = patch(
        GROUP, {"op": "remove", "path": "members", "value": {"value": "u2"}}, rtype=GROUP_TYPE
    )

    assert result["members"] == [{"value": "u1", "display": "Alice"}]


def test_remove_members_case_exact() -> None:
    result = patch(
        GROUP, {"op": "remove", "path": "members", "value": [{"value": "U1"}]}, rtype=GROUP_TYPE
    )

    assert len(result["members"]) == 2


def test_remove_members_filter() -> None:
    result = patch(GROUP, {"op": "remove", "path": 'members[value eq "u1"]'}, rtype=GROUP_TYPE)

    assert result["members"] == [{"value": "u2", "display": "Bob"}]


def test_remove_all_members() -> None:
    result = patch(GROUP, {"op": "remove", "path": "members"}, rtype=GROUP_TYPE)

    assert "members" not in result


# Path-less operations


def test_pathless_plain_names() -> None:
    result = patch(BJENSEN, {"op": "replace", "value": {"displayName": "B", "locale": "fr-FR"}})

    assert result["displayName"] == "B"
    assert result["locale"] == "fr-FR"


def test_pathless_dotted_names() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "value": {"name.givenName": "Barb", "name.familyName": "Jay"}},
    )

    assert result["name"] == {
        "givenName": "Barb",
        "familyName": "Jay",
        "formatted": "Ms. Barbara Jensen",
    }


def test_pathless_urn_attribute() -> None:
    result = patch(BJENSEN, {"op": "replace", "value": {f"{ENTERPRISE}:employeeNumber": "1"}})

    assert result[ENTERPRISE]["employeeNumber"] == "1"
    assert result[ENTERPRISE]["department"] == "Tour Operations"


def test_pathless_urn_sub_attribute() -> None:
    result = patch(BJENSEN, {"op": "replace", "value": {f"{ENTERPRISE}:manager.value": "7"}})

    assert result[ENTERPRISE]["manager"] == {"value": "7", "displayName": "John Smith"}


def test_pathless_extension_object() -> None:
    result = patch(
        BJENSEN,
        {
            "op": "replace",
            "value": {ENTERPRISE: {"department": "Sales", "manager": {"value": "7"}}},
        },
    )

    assert result[ENTERPRISE] == {
        "employeeNumber": "701984",
        "department": "Sales",
        "manager": {"value": "7", "displayName": "John Smith"},
    }


def test_pathless_core_urn_object() -> None:
    result = patch(BJENSEN, {"op": "replace", "value": {USER_SCHEMA: {"displayName": "B"}}})

    assert result["displayName"] == "B"


def test_pathless_unqualified_extension_name() -> None:
    result = patch(BJENSEN, {"op": "replace", "value": {"department": "Sales"}})

    assert result[ENTERPRISE]["department"] == "Sales"
    assert "department" not in result


def test_pathless_value_list() -> None:
    result = patch(BJENSEN, {"op": "replace", "value": [{"displayName": "B"}, {"locale": "de"}]})

    assert result["displayName"] == "B"
    assert result["locale"] == "de"


def test_pathless_filtered_key() -> None:
    result = patch(
        user(emails=[]),
        {
            "op": "replace",
            "value": {'emails[type eq "work"].value': "w@example.com", "displayName": "B"},
        },
    )

    assert result["emails"] == [{"type": "work", "value": "w@example.com"}]
    assert result["displayName"] == "B"


def test_pathless_filtered_key_operations() -> None:
    operations = parse({"op": "replace", "value": {'emails[type eq "work"].value': "w@x.org"}})

    assert len(operations) == 1
    assert operations[0].raw_path == 'emails[type eq "work"].value'
    assert operations[0].value == "w@x.org"


def test_pathless_multi_valued_dotted_key() -> None:
    with pytest.raises(InvalidPath) as caught:
        parse({"op": "replace", "value": {"emails.value": "x@y.org"}})

    assert "filter" in caught.value.detail


def test_pathless_add_multi_valued() -> None:
    result = patch(BJENSEN, {"op": "add", "value": {"emails": [{"value": "n@x.org"}]}})

    assert len(result["emails"]) == 3


def test_pathless_replace_multi_valued() -> None:
    result = patch(BJENSEN, {"op": "replace", "value": {"emails": [{"value": "n@x.org"}]}})

    assert result["emails"] == [{"value": "n@x.org"}]


# Extensions


def test_extension_path_add() -> None:
    result = patch(
        user(**{ENTERPRISE: None}, schemas=[USER_SCHEMA]),
        {"op": "add", "path": ENTERPRISE, "value": {"employeeNumber": "5"}},
    )

    assert result[ENTERPRISE] == {"employeeNumber": "5"}
    assert result["schemas"] == [USER_SCHEMA, ENTERPRISE]


def test_extension_path_remove() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": ENTERPRISE})

    assert ENTERPRISE not in result
    assert result["schemas"] == [USER_SCHEMA]


def test_extension_attribute_created() -> None:
    result = patch(
        user(**{ENTERPRISE: None}, schemas=[USER_SCHEMA]),
        {"op": "replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "5"},
    )

    assert result[ENTERPRISE] == {"employeeNumber": "5"}
    assert result["schemas"] == [USER_SCHEMA, ENTERPRISE]


def test_extension_last_attribute_removed() -> None:
    resource = user(**{ENTERPRISE: {"employeeNumber": "5"}})
    result = patch(resource, {"op": "remove", "path": f"{ENTERPRISE}:employeeNumber"})

    assert ENTERPRISE not in result
    assert result["schemas"] == [USER_SCHEMA]


def test_extension_sub_attribute_path() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": "8"})

    assert result[ENTERPRISE]["manager"]["value"] == "8"


def test_core_urn_qualified_path() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": f"{USER_SCHEMA}:displayName", "value": "B"})

    assert result["displayName"] == "B"


def test_core_schema_path_replace() -> None:
    result = patch(BJENSEN, {"op": "replace", "path": USER_SCHEMA, "value": {"displayName": "B"}})

    assert result["displayName"] == "B"


def test_core_schema_path_remove() -> None:
    with pytest.raises(NoTarget):
        parse({"op": "remove", "path": USER_SCHEMA})


# Mutability


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "add", "path": "groups", "value": [{"value": "g2"}]},
        {"op": "remove", "path": "groups"},
        {"op": "replace", "value": {"groups": []}},
        {"op": "replace", "path": f"{ENTERPRISE}:manager.displayName", "value": "x"},
        {"op": "replace", "path": f"{ENTERPRISE}:manager", "value": {"displayName": "x"}},
        {"op": "replace", "path": "id", "value": "other"},
        {"op": "replace", "path": "meta.lastModified", "value": "2020-01-01T00:00:00Z"},
    ],
)
def test_read_only(operation: dict[str, Any]) -> None:
    with pytest.raises(Mutability) as caught:
        patch(BJENSEN, operation)

    assert "read-only" in caught.value.detail


def test_okta_id_echo_ignored() -> None:
    result = patch(BJENSEN, {"op": "replace", "value": {"id": "2819c223", "active": False}})

    assert result["id"] == "2819c223"
    assert result["active"] is False


def test_id_change_rejected() -> None:
    with pytest.raises(Mutability) as caught:
        patch(BJENSEN, {"op": "replace", "value": {"id": "other", "active": False}})

    assert "id is read-only" in caught.value.detail


def test_schemas_and_meta_echo_ignored() -> None:
    result = patch(
        BJENSEN,
        {
            "op": "replace",
            "value": {
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "meta": copy.deepcopy(BJENSEN["meta"]),
                "displayName": "B",
            },
        },
    )

    assert result["schemas"] == BJENSEN["schemas"]
    assert result["meta"] == BJENSEN["meta"]
    assert result["displayName"] == "B"


def test_meta_change_rejected() -> None:
    with pytest.raises(Mutability):
        patch(BJENSEN, {"op": "replace", "value": {"meta": {"resourceType": "Group"}}})


def test_unknown_schema_urn_rejected() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse({"op": "replace", "value": {"schemas": ["urn:example:other"]}})

    assert "'urn:example:other'" in caught.value.detail


def test_immutable_set_when_absent() -> None:
    result = patch(BJENSEN, {"op": "add", "path": "badgeId", "value": "B-1"})

    assert result["badgeId"] == "B-1"


def test_immutable_same_value() -> None:
    result = patch(user(badgeId="B-1"), {"op": "replace", "path": "badgeId", "value": "B-1"})

    assert result["badgeId"] == "B-1"


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "badgeId", "value": "B-2"},
        {"op": "add", "value": {"badgeId": "B-2"}},
        {"op": "remove", "path": "badgeId"},
    ],
)
def test_immutable_change(operation: dict[str, Any]) -> None:
    with pytest.raises(Mutability) as caught:
        patch(user(badgeId="B-1"), operation)

    assert "badgeId is immutable" in caught.value.detail


MANAGER_NAME = f"{ENTERPRISE}:manager.displayName"


def test_read_only_same_value_ignored() -> None:
    result = patch(
        BJENSEN,
        {"op": "Replace", "path": MANAGER_NAME, "value": "John Smith"},
        {"op": "replace", "value": {MANAGER_NAME: "John Smith", "nickName": "Babs"}},
    )

    assert result[ENTERPRISE]["manager"] == BJENSEN[ENTERPRISE]["manager"]
    assert result["nickName"] == "Babs"


def test_read_only_in_extension_object() -> None:
    operations = parse(
        {"op": "replace", "value": {ENTERPRISE: {"manager.displayName": "John Smith"}}}
    )

    assert [operation.read_only for operation in operations] == [True]
    assert apply_operations(BJENSEN, operations, USER_TYPE) == BJENSEN


def test_read_only_other_value_rejected() -> None:
    with pytest.raises(Mutability) as caught:
        patch(BJENSEN, {"op": "replace", "value": {MANAGER_NAME: "Jane Roe"}})

    assert MANAGER_NAME in caught.value.detail
    assert "'Jane Roe'" in caught.value.detail
    assert "mapping" in caught.value.detail


def test_read_only_derived_value_accepted() -> None:
    operations = parse(
        {"op": "replace", "value": {f"{ENTERPRISE}:manager.value": "42", MANAGER_NAME: "Jane Roe"}}
    )
    derived_from: list[dict[str, Any]] = []

    def derive(patched: dict[str, Any]) -> dict[str, Any]:
        derived_from.append(patched)
        derived = copy.deepcopy(patched)
        derived[ENTERPRISE]["manager"]["displayName"] = "Jane Roe"
        return derived

    result = apply_operations(BJENSEN, operations, USER_TYPE, derive=derive)

    assert result[ENTERPRISE]["manager"]["value"] == "42"
    assert derived_from[0][ENTERPRISE]["manager"]["value"] == "42"


def test_read_only_derived_value_differs() -> None:
    operations = parse({"op": "replace", "path": MANAGER_NAME, "value": "Jane Roe"})

    with pytest.raises(Mutability):
        apply_operations(BJENSEN, operations, USER_TYPE, derive=copy.deepcopy)


def test_read_only_remove_rejected() -> None:
    with pytest.raises(Mutability):
        parse({"op": "remove", "path": MANAGER_NAME})


@pytest.mark.parametrize("op", ["add", "replace"])
def test_selection_of_unstored_type_rejected(op: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse({"op": op, "path": 'emails[type eq "fax"].value', "value": "+1 555 0100"})

    assert "'fax'" in caught.value.detail
    assert "'work'" in caught.value.detail


def test_selection_of_unstored_type_removable() -> None:
    result = patch(BJENSEN, {"op": "remove", "path": 'emails[type eq "fax"]'})

    assert result["emails"] == BJENSEN["emails"]


def test_boolean_string_in_selection() -> None:
    result = patch(
        BJENSEN,
        {"op": "Replace", "path": 'emails[primary eq "True"].value', "value": "b@example.com"},
    )

    assert result["emails"][0]["value"] == "b@example.com"
    assert result["emails"][1]["value"] == "babs@jensen.org"


def test_stray_message_id_and_operation_name() -> None:
    message = body({"name": "addMember", "op": "Add", "path": "nickName", "value": "Babs"})
    message["id"] = BJENSEN["id"]

    operations = parse_patch_request(message, USER_TYPE)

    assert apply_operations(BJENSEN, operations, USER_TYPE)["nickName"] == "Babs"


def test_unknown_attribute_names_mapping() -> None:
    with pytest.raises(InvalidPath) as caught:
        parse({"op": "add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "1"})

    assert "'phoneNumbers'" in caught.value.detail
    assert "mapping" in caught.value.detail


# Primary


def test_primary_added_entry_wins() -> None:
    result = patch(
        BJENSEN,
        {"op": "add", "path": "emails", "value": [{"value": "n@x.org", "primary": True}]},
    )

    assert [email.get("primary") for email in result["emails"]] == [False, None, True]


def test_primary_set_by_filter() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True},
    )

    assert result["emails"][0]["primary"] is False
    assert result["emails"][1]["primary"] is True


def test_primary_unchanged_when_single() -> None:
    result = patch(BJENSEN, {"op": "add", "path": "emails", "value": [{"value": "n@x.org"}]})

    assert result["emails"][0]["primary"] is True
    assert "primary" not in result["emails"][2]


# Input safety and sequencing


def test_input_not_mutated() -> None:
    resource = copy.deepcopy(BJENSEN)
    operations = [
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "n@x.org"},
        {"op": "remove", "path": "name.givenName"},
        {"op": "add", "path": f"{ENTERPRISE}:department", "value": "Sales"},
        {"op": "remove", "path": "tags"},
    ]
    result = patch(resource, *operations)

    assert resource == BJENSEN
    assert result is not resource
    assert result["emails"][0]["value"] == "n@x.org"


def test_result_not_aliased_to_operation() -> None:
    operations = parse({"op": "add", "path": "emails", "value": [{"value": "n@x.org"}]})
    result = apply_operations(BJENSEN, operations, USER_TYPE)
    result["emails"][-1]["value"] = "changed"

    assert operations[0].value == [{"value": "n@x.org"}]


def test_operations_apply_in_order() -> None:
    result = patch(
        BJENSEN,
        {"op": "replace", "path": "displayName", "value": "first"},
        {"op": "replace", "path": "displayName", "value": "second"},
        {"op": "remove", "path": "locale"},
    )

    assert result["displayName"] == "second"
    assert "locale" not in result


def test_failure_leaves_input_intact() -> None:
    resource = copy.deepcopy(BJENSEN)
    with pytest.raises(InvalidValue):
        patch(
            resource,
            {"op": "replace", "path": "displayName", "value": "x"},
            {"op": "remove", "path": "userName"},
        )

    assert resource == BJENSEN


# operation_touches


TOUCH_CASES = [
    ({"op": "add", "path": "members", "value": [{"value": "u3"}]}, "members"),
    ({"op": "remove", "path": 'members[value eq "u1"]'}, "members"),
    ({"op": "replace", "path": "DisplayName", "value": "x"}, "displayname"),
    ({"op": "replace", "value": {"displayName": "x"}}, "displayname"),
    ({"op": "replace", "value": {"displayName": "x", "id": "g1"}}, "displayname"),
    ({"op": "replace", "value": {"displayName": "x", "members": []}}, ""),
]


@pytest.mark.parametrize(("operation", "expected"), TOUCH_CASES)
def test_operation_touches(operation: dict[str, Any], expected: str) -> None:
    parsed = parse(operation, rtype=GROUP_TYPE)

    assert operation_touches(parsed[0]) == expected


def test_operation_touches_extension() -> None:
    by_path = parse({"op": "replace", "path": f"{ENTERPRISE}:manager.value", "value": "1"})
    pathless = parse({"op": "replace", "value": {ENTERPRISE: {"manager": "1"}}})
    whole = parse({"op": "remove", "path": ENTERPRISE})

    assert operation_touches(by_path[0]) == f"{ENTERPRISE.lower()}:manager"
    assert operation_touches(pathless[0]) == f"{ENTERPRISE.lower()}:manager"
    assert operation_touches(whole[0]) == ENTERPRISE.lower()


def test_touched_attributes_pathless() -> None:
    parsed = parse({"op": "replace", "value": {"displayName": "x", "name.givenName": "y"}})

    assert touched_attributes(parsed[0]) == frozenset({"displayname", "name"})


# member_changes


def changes(*operations: dict[str, Any]) -> tuple[set[str], set[str], set[str] | None]:
    return member_changes(parse(*operations, rtype=GROUP_TYPE))


def test_members_add() -> None:
    result = changes({"op": "add", "path": "members", "value": [{"value": "a"}, {"value": "b"}]})

    assert result == ({"a", "b"}, set(), None)


def test_members_remove_filter() -> None:
    result = changes({"op": "remove", "path": 'members[value eq "a"]'})

    assert result == (set(), {"a"}, None)


def test_members_remove_or_filter() -> None:
    result = changes({"op": "remove", "path": 'members[value eq "a" or value eq "b"]'})

    assert result == (set(), {"a", "b"}, None)


def test_members_remove_value_array() -> None:
    result = changes({"op": "Remove", "path": "members", "value": [{"value": "a"}, {"value": "b"}]})

    assert result == (set(), {"a", "b"}, None)


def test_members_remove_all() -> None:
    result = changes({"op": "remove", "path": "members"})

    assert result == (set(), set(), set())


def test_members_replace() -> None:
    result = changes({"op": "replace", "path": "members", "value": [{"value": "a"}]})

    assert result == (set(), set(), {"a"})


def test_members_replace_then_add_remove() -> None:
    result = changes(
        {"op": "replace", "path": "members", "value": [{"value": "a"}, {"value": "b"}]},
        {"op": "add", "path": "members", "value": [{"value": "c"}]},
        {"op": "remove", "path": 'members[value eq "a"]'},
    )

    assert result == (set(), set(), {"b", "c"})


def test_members_add_then_remove() -> None:
    result = changes(
        {"op": "add", "path": "members", "value": [{"value": "a"}]},
        {"op": "remove", "path": 'members[value eq "a"]'},
    )

    assert result == (set(), {"a"}, None)


def test_members_remove_then_add() -> None:
    result = changes(
        {"op": "remove", "path": 'members[value eq "a"]'},
        {"op": "add", "path": "members", "value": {"value": "a"}},
    )

    assert result == ({"a"}, set(), None)


def test_members_pathless() -> None:
    added = changes({"op": "add", "value": {"members": [{"value": "a"}]}})
    replaced = changes({"op": "replace", "value": {"members": [{"value": "b"}]}})

    assert added == ({"a"}, set(), None)
    assert replaced == (set(), set(), {"b"})


def test_members_other_attributes_ignored() -> None:
    result = changes(
        {"op": "replace", "path": "displayName", "value": "x"},
        {"op": "replace", "value": {"displayName": "y"}},
    )

    assert result == (set(), set(), None)


def test_members_bare_string_values() -> None:
    result = changes({"op": "add", "path": "members", "value": ["a", "b"]})

    assert result == ({"a", "b"}, set(), None)


def test_members_unsupported_filter() -> None:
    with pytest.raises(InvalidFilter) as caught:
        changes({"op": "remove", "path": 'members[display co "x"]'})

    assert "display co" in caught.value.detail


def test_members_sub_attribute_path() -> None:
    with pytest.raises(InvalidPath):
        changes({"op": "replace", "path": 'members[value eq "a"].display', "value": "x"})


def test_members_add_with_filter() -> None:
    with pytest.raises(InvalidPath):
        changes({"op": "add", "path": 'members[value eq "a"]', "value": {"value": "a"}})


def test_members_entry_without_value() -> None:
    with pytest.raises(InvalidValue):
        changes({"op": "add", "path": "members", "value": [{"display": "x"}]})


def test_members_intent_matches_apply() -> None:
    operations = [
        {"op": "add", "path": "members", "value": [{"value": "u3"}]},
        {"op": "remove", "path": 'members[value eq "u1"]'},
    ]
    added, removed, replaced = changes(*operations)
    result = patch(GROUP, *operations, rtype=GROUP_TYPE)
    expected = ({"u1", "u2"} | added) - removed

    assert replaced is None
    assert {member["value"] for member in result["members"]} == expected
