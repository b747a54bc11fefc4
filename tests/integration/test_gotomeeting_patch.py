"""PATCH on /Users, checked on the emulator's user record."""

from __future__ import annotations

from typing import Any

import pytest

from scimbridge.emulators.gotomeeting.settings import SANDBOX_LICENSE_KEY
from tests.integration.conftest import Stack, assert_scim_error


def _patch_ok(stack: Stack, user_id: str, *operations: dict[str, Any]) -> dict[str, Any]:
    response = stack.patch(f"/Users/{user_id}", *operations)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_replace_given_name(stack: Stack) -> None:
    user = stack.create_user(1)

    body = _patch_ok(
        stack, user["id"], {"op": "replace", "path": "name.givenName", "value": "Grace"}
    )

    assert body["name"]["givenName"] == "Grace"
    assert body["displayName"] == "Grace Family1"
    target = stack.target_user(user["id"])
    assert target["firstName"] == "Grace"
    assert target["lastName"] == "Family1"


def test_replace_pathless_dotted(stack: Stack) -> None:
    user = stack.create_user(2)

    body = _patch_ok(
        stack,
        user["id"],
        {"op": "replace", "value": {"name.givenName": "Alan", "name.familyName": "Turing"}},
    )

    assert body["displayName"] == "Alan Turing"
    target = stack.target_user(user["id"])
    assert target["firstName"] == "Alan"
    assert target["lastName"] == "Turing"


def test_replace_pathless_nested(stack: Stack) -> None:
    user = stack.create_user(3)

    _patch_ok(stack, user["id"], {"op": "replace", "value": {"name": {"familyName": "Hopper"}}})

    target = stack.target_user(user["id"])
    assert target["lastName"] == "Hopper"
    assert target["firstName"] == "Given3"


def test_add_locale(stack: Stack) -> None:
    user = stack.create_user(4)

    body = _patch_ok(stack, user["id"], {"op": "add", "path": "locale", "value": "it-IT"})

    assert body["locale"] == "it-IT"
    assert stack.target_user(user["id"])["locale"] == "it_IT"


def test_remove_timezone(stack: Stack) -> None:
    user = stack.create_user(5, timezone="Europe/Berlin")

    response = stack.patch(f"/Users/{user['id']}", {"op": "remove", "path": "timezone"})

    assert response.status_code == 200, response.text
    assert "timezone" not in response.json()
    assert stack.target_user(user["id"])["timeZone"] is None
    assert "timezone" not in stack.scim.get(f"/Users/{user['id']}").json()


def test_replace_work_email(stack: Stack) -> None:
    user = stack.create_user(6)

    body = _patch_ok(
        stack,
        user["id"],
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "new6@example.com"},
    )

    assert body["userName"] == "new6@example.com"
    assert body["emails"][0]["value"] == "new6@example.com"
    assert stack.target_user(user["id"])["email"] == "new6@example.com"


def test_replace_username(stack: Stack) -> None:
    user = stack.create_user(7)

    body = _patch_ok(
        stack, user["id"], {"op": "replace", "path": "userName", "value": "renamed7@example.com"}
    )

    assert body["userName"] == "renamed7@example.com"
    assert body["emails"] == [{"value": "renamed7@example.com", "type": "work", "primary": True}]
    assert stack.target_user(user["id"])["email"] == "renamed7@example.com"


def test_replace_username_taken(stack: Stack) -> None:
    stack.create_user(8)
    user = stack.create_user(9)

    response = stack.patch(
        f"/Users/{user['id']}", {"op": "replace", "path": "userName", "value": "user8@example.com"}
    )

    assert_scim_error(response, 409, "uniqueness")
    assert stack.target_user(user["id"])["email"] == "user9@example.com"


@pytest.mark.parametrize("value", [False, "False", "false"])
def test_patch_active_false(stack: Stack, value: Any) -> None:
    user = stack.create_user(10)

    body = _patch_ok(stack, user["id"], {"op": "replace", "path": "active", "value": value})

    assert body["active"] is False
    target = stack.target_user(user["id"])
    assert target["status"] == "SUSPENDED"
    assert "licenseKeys" not in target


def test_patch_active_pathless_string(stack: Stack) -> None:
    user = stack.create_user(11)

    body = _patch_ok(stack, user["id"], {"op": "Replace", "value": {"active": "False"}})

    assert body["active"] is False
    assert stack.target_user(user["id"])["status"] == "SUSPENDED"


def test_patch_active_true_again(stack: Stack) -> None:
    user = stack.create_user(12)
    _patch_ok(stack, user["id"], {"op": "replace", "path": "active", "value": False})

    body = _patch_ok(stack, user["id"], {"op": "replace", "path": "active", "value": "True"})

    assert body["active"] is True
    target = stack.target_user(user["id"])
    assert target["licenseKeys"] == [SANDBOX_LICENSE_KEY]
    assert target["status"] == "INVITED"


def test_patch_several_operations(stack: Stack) -> None:
    user = stack.create_user(13)

    _patch_ok(
        stack,
        user["id"],
        {"op": "replace", "path": "name.givenName", "value": "Multi"},
        {"op": "add", "path": "locale", "value": "ja-JP"},
        {"op": "replace", "path": "timezone", "value": "Asia/Tokyo"},
    )

    target = stack.target_user(user["id"])
    assert target["firstName"] == "Multi"
    assert target["locale"] == "ja_JP"
    assert target["timeZone"] == "Asia/Tokyo"


def test_patch_remove_required(stack: Stack) -> None:
    user = stack.create_user(14)

    response = stack.patch(f"/Users/{user['id']}", {"op": "remove", "path": "name.familyName"})

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "name.familyName" in detail
    assert stack.target_user(user["id"])["lastName"] == "Family14"


def test_patch_invalid_locale(stack: Stack) -> None:
    user = stack.create_user(15)

    response = stack.patch(
        f"/Users/{user['id']}", {"op": "replace", "path": "locale", "value": "not a locale"}
    )

    assert_scim_error(response, 400, "invalidValue")
    assert stack.target_user(user["id"])["locale"] == "en_US"


def test_patch_readonly_ignored(stack: Stack) -> None:
    user = stack.create_user(16)

    response = stack.patch(
        f"/Users/{user['id']}", {"op": "replace", "path": "displayName", "value": "Ignored"}
    )

    assert_scim_error(response, 400, "mutability")
    target = stack.target_user(user["id"])
    assert target["firstName"] == "Given16"
    assert target["lastName"] == "Family16"
    assert stack.scim.get(f"/Users/{user['id']}").json()["displayName"] == "Given16 Family16"


def test_patch_no_change(stack: Stack) -> None:
    user = stack.create_user(17)

    body = _patch_ok(stack, user["id"], {"op": "replace", "path": "locale", "value": "en-US"})

    assert body["meta"]["version"] == user["meta"]["version"]
    assert stack.target_user(user["id"])["locale"] == "en_US"
