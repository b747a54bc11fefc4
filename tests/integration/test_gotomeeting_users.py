"""User lifecycle through the gateway: uniqueness, not-found ids, meta dates and re-creation."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import (
    PATCH_SCHEMA,
    Stack,
    assert_scim_error,
    new_user,
    start_stack,
)

UNKNOWN_IDS = ["999999999999", "abc", "not-a-key"]
NESTED_ID = "12/34"


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}


def _each_method(stack: Stack, path: str) -> dict[str, Any]:
    replace_body = new_user("x") if "/Users/" in path else {"displayName": "Renamed"}
    return {
        "GET": stack.scim.get(path),
        "PUT": stack.scim.put(path, json=replace_body),
        "PATCH": stack.scim.patch(
            path,
            json=_patch_body({"op": "replace", "path": "locale", "value": "de_DE"})
            if "/Users/" in path
            else _patch_body({"op": "replace", "path": "displayName", "value": "Renamed"}),
        ),
        "DELETE": stack.scim.delete(path),
    }


# Uniqueness ---------------------------------------------------------------


def test_duplicate_username_conflict(stack: Stack) -> None:
    stack.create_user(1)
    before = stack.target_users()

    response = stack.scim.post(
        "/Users", json=new_user(1, name={"givenName": "B", "familyName": "C"})
    )

    assert_scim_error(response, 409, "uniqueness")
    after = stack.target_users()
    assert len(after) == len(before)
    assert after == before


def test_duplicate_username_other_case(stack: Stack) -> None:
    stack.create_user(2)
    before = len(stack.target_users())

    body = new_user(2)
    body["userName"] = "USER2@Example.COM"
    response = stack.scim.post("/Users", json=body)

    assert_scim_error(response, 409, "uniqueness")
    assert len(stack.target_users()) == before


def test_rename_to_taken_username(stack: Stack) -> None:
    stack.create_user(3)
    second = stack.create_user(4)

    response = stack.scim.put(
        f"/Users/{second['id']}", json=new_user(4, userName="user3@example.com")
    )

    assert_scim_error(response, 409, "uniqueness")
    assert stack.target_user(second["id"])["email"] == "user4@example.com"


# Unknown and malformed ids ------------------------------------------------


@pytest.mark.parametrize("resource_id", UNKNOWN_IDS)
@pytest.mark.parametrize("endpoint", ["Users", "Groups"])
def test_unknown_id_not_found(stack: Stack, endpoint: str, resource_id: str) -> None:
    before_users = len(stack.target_users())

    responses = _each_method(stack, f"/{endpoint}/{resource_id}")

    for method, response in responses.items():
        detail = assert_scim_error(response, 404)
        assert resource_id in detail, method
    assert len(stack.target_users()) == before_users
    assert stack.target_get("/groups")["total"] == 0


@pytest.mark.parametrize("endpoint", ["Users", "Groups"])
def test_nested_id_not_found(stack: Stack, endpoint: str) -> None:
    responses = _each_method(stack, f"/{endpoint}/{NESTED_ID}")

    for response in responses.values():
        assert_scim_error(response, 404)


@pytest.mark.parametrize("endpoint", ["Users", "Groups"])
def test_unknown_id_target_502(tmp_path: Path, endpoint: str) -> None:
    stack = start_stack(
        tmp_path, emulator_settings=lambda settings: setattr(settings, "invalid_key_status", 502)
    )
    try:
        for resource_id in ["abc", "not-a-key", "999999999999"]:
            responses = _each_method(stack, f"/{endpoint}/{resource_id}")
            for method, response in responses.items():
                detail = assert_scim_error(response, 404)
                assert resource_id in detail, (method, resource_id)
    finally:
        stack.close()


def test_get_after_delete(stack: Stack) -> None:
    created = stack.create_user(5)

    deleted = stack.scim.delete(f"/Users/{created['id']}")

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_scim_error(stack.scim.get(f"/Users/{created['id']}"), 404)
    assert_scim_error(stack.scim.delete(f"/Users/{created['id']}"), 404)
    assert "user5@example.com" not in {user["email"] for user in stack.target_users()}


# meta -----------------------------------------------------------------------


def _assert_meta(resource: dict[str, Any], resource_type: str) -> None:
    meta = resource["meta"]
    assert meta["resourceType"] == resource_type
    assert _parse(meta["created"]) <= _parse(meta["lastModified"])
    assert meta["location"].endswith(f"/{resource_type}s/{resource['id']}")
    assert meta["version"].startswith('W/"')


def test_meta_on_every_response(stack: Stack) -> None:
    created = stack.create_user(6)
    user_id = created["id"]
    _assert_meta(created, "User")

    _assert_meta(stack.scim.get(f"/Users/{user_id}").json(), "User")
    for listed in stack.scim.get("/Users").json()["Resources"]:
        _assert_meta(listed, "User")
    _assert_meta(
        stack.scim.put(f"/Users/{user_id}", json=new_user(6, locale="de_DE")).json(), "User"
    )
    patched = stack.patch(
        f"/Users/{user_id}", {"op": "replace", "path": "locale", "value": "fr_FR"}
    )
    _assert_meta(patched.json(), "User")

    group = stack.create_group("Meta")
    _assert_meta(group, "Group")
    _assert_meta(stack.scim.get(f"/Groups/{group['id']}").json(), "Group")
    for listed in stack.scim.get("/Groups").json()["Resources"]:
        _assert_meta(listed, "Group")


def test_meta_created_header_location(stack: Stack) -> None:
    response = stack.scim.post("/Users", json=new_user(7))

    assert response.status_code == 201
    assert response.headers["location"] == response.json()["meta"]["location"]
    assert response.json()["meta"]["location"].startswith(stack.scim_base)


def test_last_modified_moves(stack: Stack) -> None:
    created = stack.create_user(8)
    time.sleep(0.01)

    replaced = stack.scim.put(f"/Users/{created['id']}", json=new_user(8, locale="de_DE")).json()

    assert replaced["meta"]["created"] == created["meta"]["created"]
    assert _parse(replaced["meta"]["lastModified"]) > _parse(created["meta"]["lastModified"])
    fetched = stack.scim.get(f"/Users/{created['id']}").json()
    assert fetched["meta"]["lastModified"] == replaced["meta"]["lastModified"]


def test_last_modified_after_patch(stack: Stack) -> None:
    created = stack.create_user(9)
    time.sleep(0.01)

    patched = stack.patch(
        f"/Users/{created['id']}", {"op": "replace", "path": "name.givenName", "value": "New"}
    ).json()

    assert patched["meta"]["created"] == created["meta"]["created"]
    assert _parse(patched["meta"]["lastModified"]) > _parse(created["meta"]["lastModified"])


def test_last_modified_target_change(stack: Stack) -> None:
    created = stack.create_user(10)
    first = stack.scim.get(f"/Users/{created['id']}").json()
    time.sleep(0.01)

    stack.target_put(f"/users/{created['id']}", {"firstName": "Elsewhere"})
    second = stack.scim.get(f"/Users/{created['id']}").json()

    assert second["meta"]["created"] == first["meta"]["created"]
    assert _parse(second["meta"]["lastModified"]) > _parse(first["meta"]["lastModified"])


def test_last_modified_unchanged_on_read(stack: Stack) -> None:
    created = stack.create_user(11)

    first = stack.scim.get(f"/Users/{created['id']}").json()
    second = stack.scim.get(f"/Users/{created['id']}").json()

    assert first["meta"]["lastModified"] == created["meta"]["lastModified"]
    assert second["meta"]["lastModified"] == created["meta"]["lastModified"]


def test_meta_for_target_user(stack: Stack) -> None:
    admin = next(
        user for user in stack.target_users() if user["email"] == "admin@sandbox.example.com"
    )

    fetched = stack.scim.get(f"/Users/{admin['key']}").json()

    _assert_meta(fetched, "User")
    assert fetched["meta"]["created"] == fetched["meta"]["lastModified"]


# Re-creation after delete -------------------------------------------------


def test_recreate_after_delete(stack: Stack) -> None:
    first = stack.create_user(12)
    group = stack.create_group("Before", [first["id"]])
    assert stack.target_user(first["id"])["groupKey"] == group["id"]
    time.sleep(0.01)

    assert stack.scim.delete(f"/Users/{first['id']}").status_code == 204
    assert_scim_error(stack.scim.get(f"/Users/{first['id']}"), 404)
    again = stack.scim.post("/Users", json=new_user(12))

    assert again.status_code == 201, again.text
    recreated = again.json()
    assert recreated["id"] == first["id"]
    assert _parse(recreated["meta"]["created"]) > _parse(first["meta"]["created"])
    assert "groups" not in recreated
    assert "groupKey" not in stack.target_user(recreated["id"])
    fetched = stack.scim.get(f"/Users/{recreated['id']}").json()
    assert fetched["meta"]["created"] == recreated["meta"]["created"]
    group_now = stack.scim.get(f"/Groups/{group['id']}").json()
    assert group_now.get("members", []) == []


def test_recreate_other_case(stack: Stack) -> None:
    first = stack.create_user(13)
    stack.scim.delete(f"/Users/{first['id']}")

    again = stack.scim.post("/Users", json=new_user(13, userName="USER13@example.com"))

    assert again.status_code == 201, again.text
    assert again.json()["id"] == first["id"]
    assert again.json()["userName"] == "USER13@example.com"
