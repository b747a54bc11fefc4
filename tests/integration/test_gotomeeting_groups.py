"""Group membership through PATCH and PUT, checked on the emulator's groups and users."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import GROUP_SCHEMA, PATCH_SCHEMA, Stack, assert_scim_error


def _members(stack: Stack, group_id: str) -> list[str]:
    return sorted(stack.target_group(group_id).get("userKeys", []))


def _users(stack: Stack, count: int, start: int = 1) -> list[str]:
    return [stack.create_user(index)["id"] for index in range(start, start + count)]


def _scim_members(resource: dict[str, Any]) -> list[str]:
    return sorted(member["value"] for member in resource.get("members", []) if "value" in member)


# PATCH add ------------------------------------------------------------------


def test_patch_add_members_path(stack: Stack) -> None:
    first, second = _users(stack, 2)
    group = stack.create_group("Add")

    response = stack.patch(
        f"/Groups/{group['id']}",
        {"op": "add", "path": "members", "value": [{"value": first}, {"value": second}]},
    )

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == sorted([first, second])
    assert _scim_members(response.json()) == sorted([first, second])
    assert stack.target_user(first)["groupKey"] == group["id"]


def test_patch_add_pathless(stack: Stack) -> None:
    (first,) = _users(stack, 1)
    group = stack.create_group("Pathless")

    response = stack.patch(
        f"/Groups/{group['id']}", {"op": "add", "value": {"members": [{"value": first}]}}
    )

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == [first]


def test_patch_add_keeps_existing(stack: Stack) -> None:
    first, second = _users(stack, 2)
    group = stack.create_group("Keep", [first])

    stack.patch(
        f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": second}]}
    )

    assert _members(stack, group["id"]) == sorted([first, second])


def test_patch_add_existing_member(stack: Stack) -> None:
    (first,) = _users(stack, 1)
    group = stack.create_group("Again", [first])

    response = stack.patch(
        f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": first}]}
    )

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == [first]


def test_patch_add_unknown_user(stack: Stack) -> None:
    group = stack.create_group("Unknown")

    response = stack.patch(
        f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": "424242"}]}
    )

    detail = assert_scim_error(response, 400, "invalidValue")
    assert "424242" in detail
    assert _members(stack, group["id"]) == []


# PATCH remove ---------------------------------------------------------------


def test_patch_remove_filter(stack: Stack) -> None:
    first, second = _users(stack, 2)
    group = stack.create_group("Remove", [first, second])

    response = stack.patch(
        f"/Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{first}"]'}
    )

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == [second]
    assert "groupKey" not in stack.target_user(first)
    assert stack.target_user(second)["groupKey"] == group["id"]


def test_patch_remove_value_array(stack: Stack) -> None:
    first, second, third = _users(stack, 3)
    group = stack.create_group("RemoveMany", [first, second, third])

    response = stack.patch(
        f"/Groups/{group['id']}",
        {"op": "remove", "path": "members", "value": [{"value": first}, {"value": third}]},
    )

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == [second]


def test_patch_remove_all(stack: Stack) -> None:
    first, second = _users(stack, 2)
    group = stack.create_group("RemoveAll", [first, second])

    response = stack.patch(f"/Groups/{group['id']}", {"op": "remove", "path": "members"})

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == []
    assert "groupKey" not in stack.target_user(first)


def test_patch_remove_non_member(stack: Stack) -> None:
    first, outsider = _users(stack, 2)
    group = stack.create_group("Stay", [first])
    other = stack.create_group("Elsewhere", [outsider])

    response = stack.patch(
        f"/Groups/{group['id']}", {"op": "remove", "path": f'members[value eq "{outsider}"]'}
    )

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == [first]
    assert stack.target_user(outsider)["groupKey"] == other["id"]


# PATCH replace --------------------------------------------------------------


def test_patch_replace_members(stack: Stack) -> None:
    first, second, third = _users(stack, 3)
    group = stack.create_group("Replace", [first, second])

    response = stack.patch(
        f"/Groups/{group['id']}",
        {"op": "replace", "path": "members", "value": [{"value": second}, {"value": third}]},
    )

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == sorted([second, third])
    assert "groupKey" not in stack.target_user(first)


def test_patch_replace_name_and_members(stack: Stack) -> None:
    first, second = _users(stack, 2)
    group = stack.create_group("Old", [first])

    response = stack.patch(
        f"/Groups/{group['id']}",
        {"op": "replace", "value": {"displayName": "New", "members": [{"value": second}]}},
    )

    assert response.status_code == 200, response.text
    assert stack.target_group(group["id"])["name"] == "New"
    assert _members(stack, group["id"]) == [second]


def test_patch_rename(stack: Stack) -> None:
    group = stack.create_group("Before")

    response = stack.patch(
        f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "After"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["displayName"] == "After"
    assert stack.target_group(group["id"])["name"] == "After"


def test_patch_rename_taken(stack: Stack) -> None:
    stack.create_group("Taken")
    group = stack.create_group("Mine")

    response = stack.patch(
        f"/Groups/{group['id']}", {"op": "replace", "path": "displayName", "value": "Taken"}
    )

    assert_scim_error(response, 409, "uniqueness")
    assert stack.target_group(group["id"])["name"] == "Mine"


# PUT ------------------------------------------------------------------------


def test_put_members(stack: Stack) -> None:
    first, second, third = _users(stack, 3)
    group = stack.create_group("Put", [first, second])

    response = stack.scim.put(
        f"/Groups/{group['id']}",
        json={
            "schemas": [GROUP_SCHEMA],
            "displayName": "Put Renamed",
            "members": [{"value": third}, {"value": second}],
        },
    )

    assert response.status_code == 200, response.text
    target = stack.target_group(group["id"])
    assert target["name"] == "Put Renamed"
    assert sorted(target["userKeys"]) == sorted([second, third])
    assert "groupKey" not in stack.target_user(first)
    assert _scim_members(response.json()) == sorted([second, third])


def test_put_no_members(stack: Stack) -> None:
    first, second = _users(stack, 2)
    group = stack.create_group("Clear", [first, second])

    response = stack.scim.put(
        f"/Groups/{group['id']}", json={"schemas": [GROUP_SCHEMA], "displayName": "Clear"}
    )

    assert response.status_code == 200, response.text
    assert _members(stack, group["id"]) == []


def test_duplicate_group_name(stack: Stack) -> None:
    stack.create_group("Twice")

    response = stack.scim.post("/Groups", json={"schemas": [GROUP_SCHEMA], "displayName": "Twice"})

    assert_scim_error(response, 409, "uniqueness")
    assert stack.target_get("/groups")["total"] == 1


def test_delete_group_frees_members(stack: Stack) -> None:
    (first,) = _users(stack, 1)
    group = stack.create_group("Doomed", [first])

    response = stack.scim.delete(f"/Groups/{group['id']}")

    assert response.status_code == 204
    assert stack.target_get("/groups")["total"] == 0
    assert "groupKey" not in stack.target_user(first)
    assert_scim_error(stack.scim.get(f"/Groups/{group['id']}"), 404)


# One group per user ---------------------------------------------------------


def _member_of_other(stack: Stack) -> tuple[str, dict[str, Any], dict[str, Any]]:
    (user,) = _users(stack, 1, start=50)
    home = stack.create_group("Home", [user])
    other = stack.create_group("Other")
    return user, home, other


def _assert_other_group_error(response: Any, home: dict[str, Any]) -> None:
    detail = assert_scim_error(response, 400, "invalidValue")
    assert "Home" in detail
    assert home["id"] in detail


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "add", "path": "members", "value": [{"value": "USER"}]},
        {"op": "replace", "path": "members", "value": [{"value": "USER"}]},
        {"op": "add", "value": {"members": [{"value": "USER"}]}},
    ],
    ids=["add", "replace", "pathless"],
)
def test_patch_user_in_other_group(stack: Stack, operation: dict[str, Any]) -> None:
    user, home, other = _member_of_other(stack)
    operation = _with_user(operation, user)

    response = stack.patch(f"/Groups/{other['id']}", operation)

    _assert_other_group_error(response, home)
    assert stack.target_user(user)["groupKey"] == home["id"]
    assert _members(stack, home["id"]) == [user]
    assert _members(stack, other["id"]) == []


def test_put_user_in_other_group(stack: Stack) -> None:
    user, home, other = _member_of_other(stack)

    response = stack.scim.put(
        f"/Groups/{other['id']}",
        json={"schemas": [GROUP_SCHEMA], "displayName": "Renamed", "members": [{"value": user}]},
    )

    _assert_other_group_error(response, home)
    assert stack.target_user(user)["groupKey"] == home["id"]
    assert stack.target_group(other["id"])["name"] == "Other"


def test_post_user_in_other_group(stack: Stack) -> None:
    (user,) = _users(stack, 1, start=60)
    home = stack.create_group("Home", [user])

    response = stack.scim.post(
        "/Groups",
        json={"schemas": [GROUP_SCHEMA], "displayName": "Third", "members": [{"value": user}]},
    )

    _assert_other_group_error(response, home)
    assert stack.target_user(user)["groupKey"] == home["id"]
    names = [group["name"] for group in stack.target_get("/groups")["results"]]
    assert names == ["Home"]


def test_other_group_nothing_written(stack: Stack) -> None:
    free = stack.create_user(70)["id"]
    user, home, other = _member_of_other(stack)

    response = stack.patch(
        f"/Groups/{other['id']}",
        {"op": "add", "path": "members", "value": [{"value": free}, {"value": user}]},
    )

    _assert_other_group_error(response, home)
    assert _members(stack, other["id"]) == []
    assert "groupKey" not in stack.target_user(free)


def _with_user(operation: dict[str, Any], user: str) -> dict[str, Any]:
    members = [{"value": user}]
    if "path" in operation:
        return {**operation, "value": members}
    return {**operation, "value": {"members": members}}


def test_member_display_ignored(stack: Stack) -> None:
    user = stack.create_user(90)
    group = stack.create_group("Display")

    response = stack.scim.patch(
        f"/Groups/{group['id']}",
        json={
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {
                    "op": "add",
                    "path": "members",
                    "value": [{"value": user["id"], "display": "Given90 Family90"}],
                }
            ],
        },
    )

    assert response.status_code == 200, response.text
    assert [member["value"] for member in response.json()["members"]] == [user["id"]]
    assert stack.target_group(group["id"])["userKeys"] == [user["id"]]
