"""Coupa emulator: user groups, memberships, and a user's user-groups and approval-groups."""

from __future__ import annotations

import httpx

from .conftest import RunningEmulator
from .coupa_helpers import ids, messages, new_user, stored_record


def group_ids_of(api: httpx.Client, user_id: int) -> tuple[list[int], list[int]]:
    user = api.get(f"/users/{user_id}").json()
    return ids(user["user-groups"]), ids(user["approval-groups"])


def test_membership_lifecycle(coupa: httpx.Client) -> None:
    user = new_user(coupa, "member")

    flat = coupa.post("/user_group_memberships", json={"user-id": user["id"], "user-group-id": 2})
    nested = coupa.post(
        "/user_group_memberships",
        json={"user": {"login": "member"}, "user_group": {"name": "Finance Approvers"}},
    )
    listed = coupa.get("/user_group_memberships", params={"user-id": user["id"]})
    by_group = coupa.get("/user_group_memberships", params={"user_group_id": 2})
    group = coupa.get("/user_groups/2").json()
    views = group_ids_of(coupa, user["id"])

    assert flat.status_code == 201
    assert flat.json()["user"]["login"] == "member"
    assert flat.json()["user-group"]["name"] == "IT Team"
    assert nested.status_code == 201
    assert [item["user-group-id"] for item in listed.json()] == [2, 1]
    assert [item["user-id"] for item in by_group.json()] == [user["id"]]
    assert ids(group["users"]) == [user["id"]]
    assert views == ([1, 2], [1])

    deleted = coupa.delete(f"/user_group_memberships/{flat.json()['id']}")
    gone = coupa.get(f"/user_group_memberships/{flat.json()['id']}")

    assert deleted.status_code == 200
    assert deleted.json()["id"] == flat.json()["id"]
    assert gone.status_code == 404
    assert gone.json() == {
        "errors": {
            "user_group_membership": [
                f"Couldn't find UserGroupMembership with 'id'={flat.json()['id']}"
            ]
        }
    }
    assert group_ids_of(coupa, user["id"]) == ([1], [1])


def test_membership_errors(coupa: httpx.Client) -> None:
    user = new_user(coupa, "dup")
    body = {"user-id": user["id"], "user-group-id": 3}
    coupa.post("/user_group_memberships", json=body)

    duplicate = coupa.post("/user_group_memberships", json=body)
    blank = coupa.post("/user_group_memberships", json={})
    unknown = coupa.post("/user_group_memberships", json={"user-id": 999, "user-group-id": 1})

    assert duplicate.status_code == 400
    assert messages(duplicate, "user_group_membership") == [
        "User is already a member of Executive Approvers"
    ]
    assert messages(blank, "user_group_membership") == [
        "User can't be blank",
        "User group can't be blank",
    ]
    assert messages(unknown, "user_group_membership")[0].startswith(
        "Unable to find valid User record for user"
    )


def test_user_groups_replace_all(coupa: httpx.Client) -> None:
    user = new_user(coupa, "views", user_groups=[{"id": 1}, {"id": 2}])

    replaced = coupa.put(
        f"/users/{user['id']}", json={"user-groups": [{"name": "Executive Approvers"}]}
    )

    assert ids(user["user-groups"]) == [1, 2]
    assert ids(user["approval-groups"]) == [1]
    assert ids(replaced.json()["user-groups"]) == [3]
    assert ids(replaced.json()["approval-groups"]) == [3]
    assert coupa.get("/user_groups/1").json()["users"] == []


def test_approval_groups_replace_approvers_only(coupa: httpx.Client) -> None:
    user = new_user(coupa, "approver", user_groups=[{"id": 1}, {"id": 2}])

    replaced = coupa.put(f"/users/{user['id']}", json={"approval-groups": [{"id": 3}]}).json()
    cleared = coupa.put(f"/users/{user['id']}", json={"approval_groups": []}).json()

    assert ids(replaced["user-groups"]) == [2, 3]
    assert ids(replaced["approval-groups"]) == [3]
    assert ids(cleared["user-groups"]) == [2]
    assert cleared["approval-groups"] == []


def test_approval_group_must_approve(coupa: httpx.Client) -> None:
    user = new_user(coupa, "noapprove")

    response = coupa.put(f"/users/{user['id']}", json={"approval-groups": [{"name": "IT Team"}]})

    assert response.status_code == 400
    assert messages(response) == [
        "Approval groups must be user groups with can-approve set: IT Team"
    ]
    assert group_ids_of(coupa, user["id"]) == ([], [])


def test_both_views_user_groups_first(coupa: httpx.Client) -> None:
    user = new_user(coupa, "both")

    body = {"user-groups": [{"id": 1}, {"id": 2}], "approval-groups": [{"id": 3}]}
    updated = coupa.put(f"/users/{user['id']}", json=body).json()

    assert ids(updated["user-groups"]) == [2, 3]
    assert ids(updated["approval-groups"]) == [3]


def test_membership_moves_updated_at(coupa: httpx.Client, coupa_emulator: RunningEmulator) -> None:
    user = new_user(coupa, "touched")
    user_created = stored_record(coupa_emulator.app, "user", user["id"])["updated-at"]
    group_created = stored_record(coupa_emulator.app, "user_group", 2)["updated-at"]

    coupa.put(f"/users/{user['id']}", json={"user-groups": []})
    user_unchanged = stored_record(coupa_emulator.app, "user", user["id"])["updated-at"]
    coupa.post("/user_group_memberships", json={"user-id": user["id"], "user-group-id": 2})
    user_joined = stored_record(coupa_emulator.app, "user", user["id"])["updated-at"]
    group_joined = stored_record(coupa_emulator.app, "user_group", 2)["updated-at"]

    assert user_unchanged == user_created
    assert user_joined > user_created
    assert group_joined > group_created


def test_user_group_create_and_update(coupa: httpx.Client) -> None:
    first = new_user(coupa, "first")
    second = new_user(coupa, "second")

    created = coupa.post(
        "/user_groups",
        json={"name": "Sales Team", "can_approve": True, "users": [{"login": "first"}]},
    )
    group_id = created.json()["id"]
    updated = coupa.put(
        f"/user_groups/{group_id}",
        json={"description": "EMEA", "users": [{"id": second["id"]}]},
    )
    duplicate = coupa.post("/user_groups", json={"name": "sales team"})

    assert created.status_code == 201
    assert created.json()["mention-name"] == "salesteam"
    assert ids(created.json()["users"]) == [first["id"]]
    assert updated.json()["description"] == "EMEA"
    assert ids(updated.json()["users"]) == [second["id"]]
    assert group_ids_of(coupa, second["id"]) == ([group_id], [group_id])
    assert group_ids_of(coupa, first["id"]) == ([], [])
    assert messages(duplicate, "user_group") == ["Name has already been taken"]
