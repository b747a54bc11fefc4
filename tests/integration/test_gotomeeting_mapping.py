"""Each GoToMeeting mapping row, checked in both directions against the emulator's state."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.emulators.gotomeeting.settings import SANDBOX_LICENSE_KEY
from tests.integration.conftest import GROUP_SCHEMA, Stack, assert_scim_error, new_user

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def _target_create(stack: Stack, email: str, **fields: Any) -> str:
    """Create a user on the target directly and return its key."""
    body = {
        "users": [{"email": email, "firstName": "Tara", "lastName": "Direct", **fields}],
        "licenseKeys": [SANDBOX_LICENSE_KEY],
    }
    response = stack.target.post(stack.target_path("/users"), json=body)
    response.raise_for_status()
    key: str = response.json()[0]["key"]
    return key


def _target_group(stack: Stack, name: str) -> str:
    response = stack.target.post(stack.target_path("/groups"), json={"name": name})
    response.raise_for_status()
    key: str = response.json()
    return key


# Users: SCIM to target ------------------------------------------------------


def test_user_id_is_target_key(stack: Stack) -> None:
    created = stack.create_user(1)

    by_email = {user["email"]: user for user in stack.target_users()}
    assert created["id"] == by_email["user1@example.com"]["key"]
    assert stack.target_user(created["id"])["email"] == "user1@example.com"


def test_user_names_written(stack: Stack) -> None:
    created = stack.create_user(2, name={"givenName": "Ada", "familyName": "Lovelace"})

    target = stack.target_user(created["id"])
    assert target["email"] == "user2@example.com"
    assert target["firstName"] == "Ada"
    assert target["lastName"] == "Lovelace"


def test_user_locale_timezone_written(stack: Stack) -> None:
    created = stack.create_user(3, locale="de-DE", timezone="Europe/Berlin")

    target = stack.target_user(created["id"])
    assert target["locale"] == "de_DE"
    assert target["timeZone"] == "Europe/Berlin"
    assert created["locale"] == "de-DE"
    assert created["timezone"] == "Europe/Berlin"


def test_user_locale_underscore_accepted(stack: Stack) -> None:
    created = stack.create_user(34, locale="pt_BR")

    assert stack.target_user(created["id"])["locale"] == "pt_BR"
    assert created["locale"] == "pt-BR"


def test_user_emails_only_written(stack: Stack) -> None:
    body = new_user(4)
    del body["userName"]
    body["emails"] = [{"value": "mail4@example.com", "type": "work", "primary": True}]

    response = stack.scim.post("/Users", json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["userName"] == "mail4@example.com"
    assert stack.target_user(created["id"])["email"] == "mail4@example.com"


def test_user_username_only_written(stack: Stack) -> None:
    created = stack.create_user(5)

    assert created["emails"] == [{"value": "user5@example.com", "type": "work", "primary": True}]
    assert stack.target_user(created["id"])["email"] == "user5@example.com"


def test_user_formatted_ignored(stack: Stack) -> None:
    body = new_user(6, displayName="Client Display")
    body["name"]["formatted"] = "Client Formatted"

    response = stack.scim.post("/Users", json=body)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["displayName"] == "Given6 Family6"
    assert "formatted" not in created["name"]
    target = stack.target_user(created["id"])
    assert target["firstName"] == "Given6"
    assert target["lastName"] == "Family6"
    fetched = stack.scim.get(f"/Users/{created['id']}", params={"attributes": "name.formatted"})
    assert fetched.json()["name"] == {"formatted": "Given6 Family6"}


def test_user_display_ignored_on_put(stack: Stack) -> None:
    created = stack.create_user(7)
    body = new_user(7, displayName="Other Name")
    body["name"]["formatted"] = "Other Formatted"

    replaced = stack.scim.put(f"/Users/{created['id']}", json=body)

    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["displayName"] == "Given7 Family7"
    fetched = stack.scim.get(
        f"/Users/{created['id']}", params={"attributes": "name.formatted,displayName"}
    )
    assert fetched.json()["name"] == {"formatted": "Given7 Family7"}
    assert fetched.json()["displayName"] == "Given7 Family7"


# Users: target to SCIM ------------------------------------------------------


def test_user_read_from_target(stack: Stack) -> None:
    key = _target_create(stack, "direct@example.com", locale="fr_FR", timeZone="Europe/Paris")

    user = stack.scim.get(f"/Users/{key}").json()

    assert user["id"] == key
    assert user["userName"] == "direct@example.com"
    assert user["name"] == {"givenName": "Tara", "familyName": "Direct"}
    assert user["displayName"] == "Tara Direct"
    assert user["emails"] == [{"value": "direct@example.com", "type": "work", "primary": True}]
    assert user["locale"] == "fr-FR"
    assert user["timezone"] == "Europe/Paris"
    assert user["active"] is True


def test_user_target_change_read(stack: Stack) -> None:
    created = stack.create_user(8)

    stack.target_put(
        f"/users/{created['id']}",
        {
            "firstName": "Changed",
            "lastName": "Directly",
            "locale": "es_ES",
            "timeZone": "Asia/Tokyo",
            "email": "moved8@example.com",
        },
    )
    user = stack.scim.get(f"/Users/{created['id']}").json()

    assert user["userName"] == "moved8@example.com"
    assert user["emails"][0]["value"] == "moved8@example.com"
    assert user["name"]["givenName"] == "Changed"
    assert user["name"]["familyName"] == "Directly"
    assert user["displayName"] == "Changed Directly"
    assert user["locale"] == "es-ES"
    assert user["timezone"] == "Asia/Tokyo"


def test_user_groups_read(stack: Stack) -> None:
    created = stack.create_user(9)
    group_key = _target_group(stack, "Sales")
    stack.target_put(f"/groups/{group_key}/users/{created['id']}")

    user = stack.scim.get(f"/Users/{created['id']}").json()

    assert len(user["groups"]) == 1
    assert user["groups"][0]["value"] == group_key
    assert user["groups"][0]["display"] == "Sales"


def test_user_without_group(stack: Stack) -> None:
    created = stack.create_user(10)

    assert "groups" not in created
    assert "groups" not in stack.scim.get(f"/Users/{created['id']}").json()


def test_user_groups_not_writable(stack: Stack) -> None:
    group_key = _target_group(stack, "Ignored")
    body = new_user(11, groups=[{"value": group_key}])

    response = stack.scim.post("/Users", json=body)

    assert response.status_code == 201, response.text
    assert "groupKey" not in stack.target_user(response.json()["id"])


# active <-> status ----------------------------------------------------------


def test_active_false_suspends(stack: Stack) -> None:
    created = stack.create_user(12)
    body = new_user(12, active=False)

    replaced = stack.scim.put(f"/Users/{created['id']}", json=body)

    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["active"] is False
    target = stack.target_user(created["id"])
    assert target["status"] == "SUSPENDED"
    assert "licenseKeys" not in target


def test_active_true_restores(stack: Stack) -> None:
    created = stack.create_user(13)
    stack.scim.put(f"/Users/{created['id']}", json=new_user(13, active=False))

    replaced = stack.scim.put(f"/Users/{created['id']}", json=new_user(13, active=True))

    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["active"] is True
    target = stack.target_user(created["id"])
    assert target["licenseKeys"] == [SANDBOX_LICENSE_KEY]
    assert target["status"] == "INVITED"


def test_active_false_on_create(stack: Stack) -> None:
    created = stack.create_user(14, active=False)

    assert created["active"] is False
    assert stack.target_user(created["id"])["status"] == "SUSPENDED"


def test_active_read_from_target(stack: Stack) -> None:
    created = stack.create_user(15)

    stack.target_put(f"/users/{created['id']}", {"licenseKeys": []})

    assert stack.scim.get(f"/Users/{created['id']}").json()["active"] is False


def test_new_user_gets_license(stack: Stack) -> None:
    created = stack.create_user(16)

    target = stack.target_user(created["id"])
    assert target["licenseKeys"] == [SANDBOX_LICENSE_KEY]
    assert target["status"] == "INVITED"
    assert created["active"] is True


# Groups ---------------------------------------------------------------------


def test_group_id_and_name(stack: Stack) -> None:
    created = stack.create_group("Engineering")

    target = stack.target_group(created["id"])
    assert target["key"] == created["id"]
    assert target["name"] == "Engineering"
    assert created["displayName"] == "Engineering"
    assert created["schemas"] == [GROUP_SCHEMA]


def test_group_members_written(stack: Stack) -> None:
    first = stack.create_user(20)
    second = stack.create_user(21)

    created = stack.create_group("Team", [first["id"], second["id"]])

    target = stack.target_group(created["id"])
    assert sorted(target["userKeys"]) == sorted([first["id"], second["id"]])
    assert sorted(m["value"] for m in created["members"]) == sorted(target["userKeys"])
    assert stack.target_user(first["id"])["groupKey"] == created["id"]


def test_group_read_from_target(stack: Stack) -> None:
    user = stack.create_user(22)
    key = _target_group(stack, "Direct Group")
    stack.target_put(f"/groups/{key}/users/{user['id']}")

    group = stack.scim.get(f"/Groups/{key}").json()

    assert group["id"] == key
    assert group["displayName"] == "Direct Group"
    assert [member["value"] for member in group["members"]] == [user["id"]]
    assert group["members"][0]["type"] == "User"


def test_group_rename_on_target_read(stack: Stack) -> None:
    created = stack.create_group("Before")

    stack.target_put(f"/groups/{created['id']}", {"name": "After"})

    assert stack.scim.get(f"/Groups/{created['id']}").json()["displayName"] == "After"


def test_group_empty_has_no_members(stack: Stack) -> None:
    created = stack.create_group("Empty")

    assert created.get("members", []) == []
    assert "userKeys" not in stack.target_group(created["id"])


# Required attributes --------------------------------------------------------


@pytest.mark.parametrize(
    ("drop", "named"),
    [
        ("userName", "userName"),
        ("givenName", "name.givenName"),
        ("familyName", "name.familyName"),
    ],
)
def test_user_required_missing(stack: Stack, drop: str, named: str) -> None:
    before = len(stack.target_users())
    body = new_user(30)
    if drop == "userName":
        del body["userName"]
    else:
        del body["name"][drop]

    response = stack.scim.post("/Users", json=body)

    detail = assert_scim_error(response, 400, "invalidValue")
    assert named in detail
    assert len(stack.target_users()) == before
    assert "user30@example.com" not in {user["email"] for user in stack.target_users()}


def test_user_required_empty_name(stack: Stack) -> None:
    before = len(stack.target_users())
    body = new_user(31)
    body["name"]["givenName"] = ""

    response = stack.scim.post("/Users", json=body)

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "name.givenName" in detail
    assert len(stack.target_users()) == before


def test_user_required_put(stack: Stack) -> None:
    created = stack.create_user(32)
    body = new_user(32)
    del body["name"]["familyName"]

    response = stack.scim.put(f"/Users/{created['id']}", json=body)

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "name.familyName" in detail
    assert stack.target_user(created["id"])["lastName"] == "Family32"


def test_group_required_missing(stack: Stack) -> None:
    response = stack.scim.post("/Groups", json={"schemas": [GROUP_SCHEMA]})

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "displayName" in detail
    assert stack.target_get("/groups")["total"] == 0


def test_group_required_blank(stack: Stack) -> None:
    response = stack.scim.post("/Groups", json={"schemas": [GROUP_SCHEMA], "displayName": "  "})

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "displayName" in detail
    assert stack.target_get("/groups")["total"] == 0


def test_user_schema_urn(stack: Stack) -> None:
    created = stack.create_user(33)

    assert created["schemas"] == [USER_SCHEMA]
