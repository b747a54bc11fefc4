"""Mapping rows: both conversion directions and the schemas derived from them."""

from __future__ import annotations

import pytest

from scimbridge.connectors.gotomeeting.mappings import (
    GROUP_ROWS,
    GROUP_SCHEMA,
    GROUP_TYPE,
    USER_ROWS,
    USER_SCHEMA,
    USER_TYPE,
)
from scimbridge.errors import InvalidValue
from scimbridge.mapping.engine import Mapper, parse_row_path
from scimbridge.mapping.rows import Concat, Const, Direction, Field, Row
from scimbridge.scim.schema import AttributeType, Mutability, Returned

GOTO_USER = {
    "key": "5348866090447493637",
    "email": "jlh@example.com",
    "firstName": "John Lee",
    "lastName": "Hooker",
    "locale": "en_US",
    "timeZone": "America/Los_Angeles",
    "groupKey": "2493304650723090190",
    "groupName": "Defenders",
    "status": "INVITED",
}


@pytest.fixture
def users() -> Mapper:
    return Mapper(USER_ROWS, USER_SCHEMA)


def test_row_path_forms() -> None:
    plain = parse_row_path("name.givenName")
    single = parse_row_path("emails[0].value")
    every = parse_row_path("groups[].display")
    extension = parse_row_path(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
    )

    assert (plain.attr, plain.sub, plain.multi) == ("name", "givenName", False)
    assert (single.attr, single.sub, single.single_entry) == ("emails", "value", True)
    assert (every.multi, every.single_entry) == (True, False)
    assert extension.urn == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert extension.attr == "employeeNumber"


def test_row_path_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="invalid mapping row path"):
        parse_row_path("name..givenName")


def test_user_read_every_row(users: Mapper) -> None:
    resource = users.to_scim(GOTO_USER)

    assert resource["id"] == "5348866090447493637"
    assert resource["userName"] == "jlh@example.com"
    assert resource["name"] == {
        "givenName": "John Lee",
        "familyName": "Hooker",
        "formatted": "John Lee Hooker",
    }
    assert resource["displayName"] == "John Lee Hooker"
    assert resource["emails"] == [{"value": "jlh@example.com", "type": "work", "primary": True}]
    assert resource["locale"] == "en-US"
    assert resource["timezone"] == "America/Los_Angeles"
    assert resource["groups"] == [{"value": "2493304650723090190", "display": "Defenders"}]
    assert resource["active"] is True


def test_user_read_suspended_is_inactive(users: Mapper) -> None:
    resource = users.to_scim({**GOTO_USER, "status": "SUSPENDED"})

    assert resource["active"] is False


def test_user_read_without_group(users: Mapper) -> None:
    user = {key: value for key, value in GOTO_USER.items() if not key.startswith("group")}

    assert "groups" not in users.to_scim(user)


def test_user_write_every_writable_row(users: Mapper) -> None:
    fields = users.to_target(
        {
            "userName": "ada@example.com",
            "name": {"givenName": "Ada", "familyName": "Lovelace", "formatted": "ignored"},
            "displayName": "ignored",
            "emails": [{"value": "other@example.com", "primary": True}],
            "locale": "fr-FR",
            "timezone": "Europe/Paris",
            "groups": [{"value": "123"}],
            "active": False,
        }
    )

    assert fields == {
        "email": "ada@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "locale": "fr_FR",
        "timeZone": "Europe/Paris",
        "__active__": False,
    }


def test_user_write_clears_absent_fields(users: Mapper) -> None:
    fields = users.to_target(
        {"userName": "ada@example.com", "name": {"givenName": "Ada", "familyName": "L"}},
        clear_absent=True,
    )

    assert fields["locale"] is None
    assert fields["timeZone"] is None
    assert "__active__" not in fields


def test_user_missing_required(users: Mapper) -> None:
    assert users.missing_required({"userName": "a@b.example"}) == [
        "name.givenName",
        "name.familyName",
    ]
    assert users.missing_required({"name": {"givenName": "A", "familyName": "B"}}) == ["userName"]


def test_group_rows_both_ways() -> None:
    groups = Mapper(GROUP_ROWS, GROUP_SCHEMA)
    resource = groups.to_scim({"key": "7", "name": "Sales", "userKeys": ["1", "2"]})

    assert resource == {
        "id": "7",
        "displayName": "Sales",
        "members": [{"value": "1", "type": "User"}, {"value": "2", "type": "User"}],
    }
    assert groups.to_target(resource) == {"name": "Sales", "userKeys": ["1", "2"]}


def test_group_without_members_has_none() -> None:
    groups = Mapper(GROUP_ROWS, GROUP_SCHEMA)

    assert "members" not in groups.to_scim({"key": "7", "name": "Empty"})


def test_conflicting_rows_rejected() -> None:
    rows = (
        Row("userName", Field("email")),
        Row("emails[0].value", Field("email")),
    )
    mapper = Mapper(rows, USER_SCHEMA)

    with pytest.raises(InvalidValue, match="keeps one value"):
        mapper.to_target({"userName": "a@x.example", "emails": [{"value": "b@x.example"}]})


def test_concat_skips_missing_parts() -> None:
    spec = Concat(("firstName", "lastName"))

    assert spec.read({"firstName": "Ada"}) == "Ada"
    assert spec.read({}) is None


def test_user_schema_attributes() -> None:
    schema = USER_TYPE.schema
    user_name = schema.attribute("userName")
    name = schema.attribute("name")
    emails = schema.attribute("emails")
    groups = schema.attribute("groups")
    assert user_name is not None
    assert name is not None
    assert emails is not None
    assert groups is not None

    assert user_name.required is True
    assert user_name.uniqueness.value == "server"
    assert name.type is AttributeType.COMPLEX
    assert name.required is True
    formatted = name.sub_attribute("formatted")
    assert formatted is not None
    assert formatted.mutability is Mutability.READ_ONLY
    assert formatted.returned is Returned.REQUEST
    assert emails.multi_valued is True
    assert emails.mutability is Mutability.READ_ONLY
    assert groups.mutability is Mutability.READ_ONLY
    assert schema.attribute("id") is None


def test_group_schema_members() -> None:
    members = GROUP_TYPE.schema.attribute("members")
    assert members is not None
    ref = members.sub_attribute("$ref")
    assert ref is not None

    assert members.multi_valued is True
    assert ref.type is AttributeType.REFERENCE
    assert ref.reference_types == ("User",)


def test_common_attributes_resolve() -> None:
    assert USER_TYPE.resolve(None, "id") is not None
    assert USER_TYPE.resolve(None, "externalId") is not None
    assert USER_TYPE.resolve(None, "meta") is not None
    assert USER_TYPE.resolve(None, "nosuch") is None


def test_const_row_is_read_only_when_read_direction() -> None:
    row = Row("emails[0].type", Const("work"), Direction.READ)

    assert row.readable is True
    assert row.writable is False
