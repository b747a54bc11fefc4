"""Coupa memberships written through Users and through the four group-like endpoints.

Every test reads the memberships back from the emulator's own API, so it
checks what landed in Coupa, not what the gateway returned. The ids are the
emulator's sandbox records. Roles: Buyer 4, Accounts Payable 5, Expense
Approver 6. Content groups: Everyone 1, Finance 2, IT 3. User groups: Finance
Approvers 1 and Executive Approvers 3, which can approve, and IT Team 2.
Account groups: US Accounts 1, EU Accounts 2, US Capex 3.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.integration.conftest import assert_scim_error
from tests.integration.coupa_stack import COUPA, CoupaStack

# Coupa user fields that list memberships, and their SCIM paths on a User.
MEMBER_FIELDS = {
    "roles": "roles",
    "content-groups": "groups",
    "account-groups": f"{COUPA}:accountGroups",
    "user-groups": f"{COUPA}:userGroups",
    "approval-groups": f"{COUPA}:approvalGroups",
}

# Memberships of every user these tests start with, as Coupa lists them.
# Finance Approvers (user group 1) can approve, so it is an approval group too.
BASELINE: dict[str, list[int]] = {
    "roles": [4, 5],
    "content-groups": [3],
    "account-groups": [1],
    "user-groups": [1],
    "approval-groups": [1],
}

Memberships = dict[str, list[int]]


def coupa_memberships(stack: CoupaStack, user_id: str | int) -> Memberships:
    """Read a user's five membership lists from Coupa, as sorted ids."""
    user = stack.target_user(user_id)
    return {field: sorted(entry["id"] for entry in user[field]) for field in MEMBER_FIELDS}


def changed(base: Memberships, **fields: list[int]) -> Memberships:
    """Return ``base`` with some lists replaced. Keyword names spell ``-`` as ``_``."""
    result = {field: list(ids) for field, ids in base.items()}
    for name, ids in fields.items():
        result[name.replace("_", "-")] = sorted(ids)
    return result


def seed_coupa_user(stack: CoupaStack, login: str, memberships: Memberships) -> str:
    """Create a user directly on Coupa with the given memberships and return its SCIM id."""
    body: dict[str, Any] = {
        "login": login,
        "email": f"{login}@example.com",
        "firstname": "Given",
        "lastname": login.capitalize(),
        "roles": [{"id": item} for item in memberships["roles"]],
        "content-groups": [{"id": item} for item in memberships["content-groups"]],
        "account-groups": [{"id": item} for item in memberships["account-groups"]],
        "user-groups": [{"id": item} for item in memberships["user-groups"]],
    }
    created = stack.target_post("/users", body)
    return str(created["id"])


def scim_baseline_body() -> dict[str, Any]:
    """Return the SCIM attributes that give a new user the BASELINE memberships."""
    return {
        "roles": [{"value": "4"}, {"value": "5"}],
        "groups": [{"value": "3"}],
        COUPA: {
            "accountGroups": [{"value": "1"}],
            "userGroups": [{"value": "1"}],
        },
    }


# User-centric memberships ------------------------------------------------------


def test_user_post_writes_every_kind(coupa: CoupaStack) -> None:
    body = {
        "roles": [{"value": "4"}, {"value": "5"}],
        "groups": [{"value": "3"}],
        COUPA: {
            "accountGroups": [{"value": "1"}, {"value": "3"}],
            "userGroups": [{"value": "2"}],
            "approvalGroups": [{"value": "1"}],
        },
    }

    created = coupa.create_user(1, **body)

    expected = {
        "roles": [4, 5],
        "content-groups": [3],
        "account-groups": [1, 3],
        "user-groups": [1, 2],
        "approval-groups": [1],
    }
    assert coupa_memberships(coupa, created["id"]) == expected
    assert sorted(item["value"] for item in created["roles"]) == ["4", "5"]
    assert sorted(item["value"] for item in created[COUPA]["userGroups"]) == ["1", "2"]
    assert [item["value"] for item in created[COUPA]["approvalGroups"]] == ["1"]


def test_user_post_without_roles_gets_default(coupa: CoupaStack) -> None:
    created = coupa.create_user(1)

    memberships = coupa_memberships(coupa, created["id"])
    assert memberships["roles"] == [3]
    assert memberships["content-groups"] == []
    assert memberships["user-groups"] == []


def test_user_put_replaces_every_kind(coupa: CoupaStack) -> None:
    created = coupa.create_user(1, **scim_baseline_body())
    other = coupa.create_user(2, **scim_baseline_body())
    body = {
        **created,
        "roles": [{"value": "6"}],
        "groups": [{"value": "1"}, {"value": "2"}],
        COUPA: {
            **created[COUPA],
            "accountGroups": [{"value": "2"}],
            "userGroups": [{"value": "2"}, {"value": "3"}],
        },
    }

    response = coupa.scim.put(f"/Users/{created['id']}", json=body)

    assert response.status_code == 200, response.text
    expected = {
        "roles": [6],
        "content-groups": [1, 2],
        "account-groups": [2],
        "user-groups": [2, 3],
        "approval-groups": [3],
    }
    assert coupa_memberships(coupa, created["id"]) == expected
    assert coupa_memberships(coupa, other["id"]) == BASELINE


def test_user_put_without_lists_keeps_them(coupa: CoupaStack) -> None:
    created = coupa.create_user(1, **scim_baseline_body())
    body = {
        "schemas": created["schemas"],
        "userName": created["userName"],
        "name": {"givenName": "Renamed", "familyName": "Family1"},
        "emails": created["emails"],
    }

    response = coupa.scim.put(f"/Users/{created['id']}", json=body)

    assert response.status_code == 200, response.text
    assert coupa.target_user(created["id"])["firstname"] == "Renamed"
    assert coupa_memberships(coupa, created["id"]) == BASELINE


def test_user_put_roles_only_keeps_others(coupa: CoupaStack) -> None:
    created = coupa.create_user(1, **scim_baseline_body())
    body = {
        "schemas": created["schemas"],
        "userName": created["userName"],
        "name": created["name"],
        "emails": created["emails"],
        "roles": [{"value": "4"}, {"value": "6"}],
    }

    response = coupa.scim.put(f"/Users/{created['id']}", json=body)

    assert response.status_code == 200, response.text
    assert coupa_memberships(coupa, created["id"]) == changed(BASELINE, roles=[4, 6])


@dataclass(frozen=True)
class UserPatchCase:
    """One PATCH of a user's memberships and the lists Coupa should hold afterwards."""

    name: str
    operation: dict[str, Any]
    expected: Memberships


def _filter_path(attribute: str, value: str) -> str:
    return f'{MEMBER_FIELDS[attribute]}[value eq "{value}"]'


USER_PATCH_CASES = (
    UserPatchCase(
        "roles add",
        {"op": "add", "path": "roles", "value": [{"value": "6"}]},
        changed(BASELINE, roles=[4, 5, 6]),
    ),
    UserPatchCase(
        "roles remove filter",
        {"op": "remove", "path": _filter_path("roles", "4")},
        changed(BASELINE, roles=[5]),
    ),
    UserPatchCase(
        "roles replace",
        {"op": "replace", "path": "roles", "value": [{"value": "6"}]},
        changed(BASELINE, roles=[6]),
    ),
    UserPatchCase(
        "groups add",
        {"op": "add", "path": "groups", "value": [{"value": "2"}]},
        changed(BASELINE, content_groups=[2, 3]),
    ),
    UserPatchCase(
        "groups remove filter",
        {"op": "remove", "path": _filter_path("content-groups", "3")},
        changed(BASELINE, content_groups=[]),
    ),
    UserPatchCase(
        "groups replace",
        {"op": "replace", "path": "groups", "value": [{"value": "1"}, {"value": "2"}]},
        changed(BASELINE, content_groups=[1, 2]),
    ),
    UserPatchCase(
        "accountGroups add",
        {"op": "add", "path": MEMBER_FIELDS["account-groups"], "value": [{"value": "3"}]},
        changed(BASELINE, account_groups=[1, 3]),
    ),
    UserPatchCase(
        "accountGroups remove filter",
        {"op": "remove", "path": _filter_path("account-groups", "1")},
        changed(BASELINE, account_groups=[]),
    ),
    UserPatchCase(
        "accountGroups replace",
        {"op": "replace", "path": MEMBER_FIELDS["account-groups"], "value": [{"value": "2"}]},
        changed(BASELINE, account_groups=[2]),
    ),
    UserPatchCase(
        "approvalGroups add",
        {"op": "add", "path": MEMBER_FIELDS["approval-groups"], "value": [{"value": "3"}]},
        changed(BASELINE, approval_groups=[1, 3], user_groups=[1, 3]),
    ),
    UserPatchCase(
        "approvalGroups remove filter",
        {"op": "remove", "path": _filter_path("approval-groups", "1")},
        changed(BASELINE, approval_groups=[], user_groups=[]),
    ),
    UserPatchCase(
        "approvalGroups replace",
        {"op": "replace", "path": MEMBER_FIELDS["approval-groups"], "value": [{"value": "3"}]},
        changed(BASELINE, approval_groups=[3], user_groups=[3]),
    ),
    UserPatchCase(
        "userGroups add",
        {"op": "add", "path": MEMBER_FIELDS["user-groups"], "value": [{"value": "2"}]},
        changed(BASELINE, user_groups=[1, 2]),
    ),
    UserPatchCase(
        "userGroups remove filter",
        {"op": "remove", "path": _filter_path("user-groups", "1")},
        changed(BASELINE, user_groups=[], approval_groups=[]),
    ),
    UserPatchCase(
        "userGroups replace",
        {"op": "replace", "path": MEMBER_FIELDS["user-groups"], "value": [{"value": "2"}]},
        changed(BASELINE, user_groups=[2], approval_groups=[]),
    ),
    UserPatchCase(
        "pathless add of roles and groups",
        {"op": "add", "value": {"roles": [{"value": "6"}], "groups": [{"value": "1"}]}},
        changed(BASELINE, roles=[4, 5, 6], content_groups=[1, 3]),
    ),
)


@pytest.mark.parametrize("case", USER_PATCH_CASES, ids=[case.name for case in USER_PATCH_CASES])
def test_user_patch_membership(coupa: CoupaStack, case: UserPatchCase) -> None:
    user = coupa.create_user(1, **scim_baseline_body())
    bystander = coupa.create_user(2, **scim_baseline_body())

    response = coupa.patch(f"/Users/{user['id']}", case.operation)

    assert response.status_code == 200, response.text
    assert coupa_memberships(coupa, user["id"]) == case.expected
    assert coupa_memberships(coupa, bystander["id"]) == BASELINE


def test_user_patch_response_shows_memberships(coupa: CoupaStack) -> None:
    user = coupa.create_user(1, **scim_baseline_body())

    response = coupa.patch(
        f"/Users/{user['id']}", {"op": "add", "path": "roles", "value": [{"value": "6"}]}
    )

    assert response.status_code == 200, response.text
    roles = sorted(item["value"] for item in response.json()["roles"])
    assert roles == ["4", "5", "6"]
    groups = [item["value"] for item in response.json()["groups"]]
    assert groups == ["3"]


def test_user_patch_unknown_role_changes_nothing(coupa: CoupaStack) -> None:
    user = coupa.create_user(1, **scim_baseline_body())

    response = coupa.patch(
        f"/Users/{user['id']}",
        {"op": "add", "path": "roles", "value": [{"value": "999"}]},
    )

    assert_scim_error(response, 400, "invalidValue")
    assert coupa_memberships(coupa, user["id"]) == BASELINE


# Group-centric memberships -----------------------------------------------------


@dataclass(frozen=True)
class GroupKind:
    """One group-like endpoint, the Coupa user field behind it and the record the tests change."""

    endpoint: str
    field: str
    group_id: int


GROUP_KINDS = (
    GroupKind("/Groups", "content-groups", 2),
    GroupKind("/Roles", "roles", 6),
    GroupKind("/UserGroups", "user-groups", 2),
    GroupKind("/AccountGroups", "account-groups", 2),
)
KIND_IDS = [kind.endpoint.strip("/") for kind in GROUP_KINDS]


def member_of(kind: GroupKind) -> Memberships:
    """Return BASELINE plus membership of the record that ``kind`` tests change."""
    result = {field: list(ids) for field, ids in BASELINE.items()}
    result[kind.field] = sorted([*result[kind.field], kind.group_id])
    return result


def group_path(kind: GroupKind) -> str:
    return f"{kind.endpoint}/{kind.group_id}"


def scim_member_ids(stack: CoupaStack, kind: GroupKind) -> list[str]:
    response = stack.scim.get(group_path(kind), params={"attributes": "members"})
    assert response.status_code == 200, response.text
    return sorted(member["value"] for member in response.json().get("members", []))


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_patch_add_keeps_other_memberships(coupa: CoupaStack, kind: GroupKind) -> None:
    joining = seed_coupa_user(coupa, "joining", BASELINE)
    present = seed_coupa_user(coupa, "present", member_of(kind))

    response = coupa.patch(
        group_path(kind), {"op": "add", "path": "members", "value": [{"value": joining}]}
    )

    assert response.status_code == 200, response.text
    assert coupa_memberships(coupa, joining) == member_of(kind)
    assert coupa_memberships(coupa, present) == member_of(kind)
    assert scim_member_ids(coupa, kind) == sorted([joining, present])


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_patch_add_existing_member(coupa: CoupaStack, kind: GroupKind) -> None:
    present = seed_coupa_user(coupa, "present", member_of(kind))

    response = coupa.patch(
        group_path(kind), {"op": "add", "path": "members", "value": [{"value": present}]}
    )

    assert response.status_code == 200, response.text
    assert coupa_memberships(coupa, present) == member_of(kind)


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_patch_remove_by_filter(coupa: CoupaStack, kind: GroupKind) -> None:
    leaving = seed_coupa_user(coupa, "leaving", member_of(kind))
    staying = seed_coupa_user(coupa, "staying", member_of(kind))

    response = coupa.patch(
        group_path(kind), {"op": "remove", "path": f'members[value eq "{leaving}"]'}
    )

    assert response.status_code == 200, response.text
    assert coupa_memberships(coupa, leaving) == BASELINE
    assert coupa_memberships(coupa, staying) == member_of(kind)
    assert scim_member_ids(coupa, kind) == [staying]


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_patch_remove_by_value_list(coupa: CoupaStack, kind: GroupKind) -> None:
    first = seed_coupa_user(coupa, "first", member_of(kind))
    second = seed_coupa_user(coupa, "second", member_of(kind))
    staying = seed_coupa_user(coupa, "staying", member_of(kind))

    response = coupa.patch(
        group_path(kind),
        {"op": "remove", "path": "members", "value": [{"value": first}, {"value": second}]},
    )

    assert response.status_code == 200, response.text
    assert coupa_memberships(coupa, first) == BASELINE
    assert coupa_memberships(coupa, second) == BASELINE
    assert coupa_memberships(coupa, staying) == member_of(kind)


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_patch_replace_members(coupa: CoupaStack, kind: GroupKind) -> None:
    leaving = seed_coupa_user(coupa, "leaving", member_of(kind))
    staying = seed_coupa_user(coupa, "staying", member_of(kind))
    joining = seed_coupa_user(coupa, "joining", BASELINE)
    outsider = seed_coupa_user(coupa, "outsider", BASELINE)

    response = coupa.patch(
        group_path(kind),
        {"op": "replace", "path": "members", "value": [{"value": staying}, {"value": joining}]},
    )

    assert response.status_code == 200, response.text
    assert coupa_memberships(coupa, leaving) == BASELINE
    assert coupa_memberships(coupa, staying) == member_of(kind)
    assert coupa_memberships(coupa, joining) == member_of(kind)
    assert coupa_memberships(coupa, outsider) == BASELINE
    assert scim_member_ids(coupa, kind) == sorted([staying, joining])


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_put_members(coupa: CoupaStack, kind: GroupKind) -> None:
    leaving = seed_coupa_user(coupa, "leaving", member_of(kind))
    staying = seed_coupa_user(coupa, "staying", member_of(kind))
    joining = seed_coupa_user(coupa, "joining", BASELINE)
    current = coupa.scim.get(group_path(kind)).json()
    body = {
        "schemas": current["schemas"],
        "displayName": current["displayName"],
        "members": [{"value": staying}, {"value": joining}],
    }

    response = coupa.scim.put(group_path(kind), json=body)

    assert response.status_code == 200, response.text
    assert "members" not in response.json()
    assert coupa_memberships(coupa, leaving) == BASELINE
    assert coupa_memberships(coupa, staying) == member_of(kind)
    assert coupa_memberships(coupa, joining) == member_of(kind)
    assert scim_member_ids(coupa, kind) == sorted([staying, joining])


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_put_returns_requested_members(coupa: CoupaStack, kind: GroupKind) -> None:
    joining = seed_coupa_user(coupa, "joining", BASELINE)
    current = coupa.scim.get(group_path(kind)).json()
    body = {
        "schemas": current["schemas"],
        "displayName": current["displayName"],
        "members": [{"value": joining}],
    }

    response = coupa.scim.put(group_path(kind), json=body, params={"attributes": "members"})

    assert response.status_code == 200, response.text
    members = response.json()["members"]
    assert [member.get("value") for member in members] == [joining]
    assert members[0]["$ref"].endswith(f"/Users/{joining}")


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_add_unknown_user_changes_nothing(coupa: CoupaStack, kind: GroupKind) -> None:
    joining = seed_coupa_user(coupa, "joining", BASELINE)

    response = coupa.patch(
        group_path(kind),
        {"op": "add", "path": "members", "value": [{"value": joining}, {"value": "999999"}]},
    )

    assert_scim_error(response, 400, "invalidValue")
    assert coupa_memberships(coupa, joining) == BASELINE
    assert scim_member_ids(coupa, kind) == []


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_add_deleted_user_rejected(coupa: CoupaStack, kind: GroupKind) -> None:
    deleted = seed_coupa_user(coupa, "deleted", BASELINE)
    assert coupa.scim.delete(f"/Users/{deleted}").status_code == 204

    response = coupa.patch(
        group_path(kind), {"op": "add", "path": "members", "value": [{"value": deleted}]}
    )

    assert_scim_error(response, 400, "invalidValue")
    assert coupa_memberships(coupa, deleted) == BASELINE


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_put_unknown_user_changes_nothing(coupa: CoupaStack, kind: GroupKind) -> None:
    present = seed_coupa_user(coupa, "present", member_of(kind))
    current = coupa.scim.get(group_path(kind)).json()
    body = {
        "schemas": current["schemas"],
        "displayName": current["displayName"],
        "members": [{"value": "999999"}],
    }

    response = coupa.scim.put(group_path(kind), json=body)

    assert_scim_error(response, 400, "invalidValue")
    assert coupa_memberships(coupa, present) == member_of(kind)


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_post_and_delete_rejected(coupa: CoupaStack, kind: GroupKind) -> None:
    current = coupa.scim.get(group_path(kind)).json()

    created = coupa.scim.post(
        kind.endpoint, json={"schemas": current["schemas"], "displayName": "New record"}
    )
    deleted = coupa.scim.delete(group_path(kind))

    assert_scim_error(created, 405)
    assert_scim_error(deleted, 405)
    assert coupa.scim.get(group_path(kind)).status_code == 200
    listed = coupa.scim.get(kind.endpoint, params={"filter": 'displayName eq "New record"'})
    assert listed.json()["totalResults"] == 0


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_patch_rename_rejected(coupa: CoupaStack, kind: GroupKind) -> None:
    current = coupa.scim.get(group_path(kind)).json()

    response = coupa.patch(
        group_path(kind), {"op": "replace", "path": "displayName", "value": "Renamed"}
    )

    assert_scim_error(response, 400, "mutability")
    assert coupa.scim.get(group_path(kind)).json()["displayName"] == current["displayName"]


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_put_other_name_ignored(coupa: CoupaStack, kind: GroupKind) -> None:
    """A PUT ignores the read-only displayName, as RFC 7644 section 3.5.1 requires."""
    leaving = seed_coupa_user(coupa, "leaving", member_of(kind))
    joining = seed_coupa_user(coupa, "joining", BASELINE)
    current = coupa.scim.get(group_path(kind)).json()
    body = {
        "schemas": current["schemas"],
        "displayName": "Renamed",
        "members": [{"value": joining}],
    }

    response = coupa.scim.put(group_path(kind), json=body)

    assert response.status_code == 200, response.text
    assert response.json()["displayName"] == current["displayName"]
    assert coupa.scim.get(group_path(kind)).json()["displayName"] == current["displayName"]
    assert coupa_memberships(coupa, leaving) == BASELINE
    assert coupa_memberships(coupa, joining) == member_of(kind)


@pytest.mark.parametrize("kind", GROUP_KINDS, ids=KIND_IDS)
def test_group_members_only_on_request(coupa: CoupaStack, kind: GroupKind) -> None:
    member = seed_coupa_user(coupa, "member", member_of(kind))
    deleted = seed_coupa_user(coupa, "deleted", member_of(kind))
    seed_coupa_user(coupa, "outsider", BASELINE)
    assert coupa.scim.delete(f"/Users/{deleted}").status_code == 204

    plain = coupa.scim.get(group_path(kind))
    with_members = coupa.scim.get(group_path(kind), params={"attributes": "members"})
    listed = coupa.scim.get(
        kind.endpoint,
        params={"filter": f'id eq "{kind.group_id}"', "attributes": "members"},
    )
    listed_plain = coupa.scim.get(kind.endpoint)

    assert plain.status_code == 200, plain.text
    assert "members" not in plain.json()
    assert with_members.status_code == 200, with_members.text
    members = with_members.json()["members"]
    assert [entry["value"] for entry in members] == [member]
    assert members[0]["display"] == "Given Member"
    assert members[0]["type"] == "User"
    assert members[0]["$ref"].endswith(f"/Users/{member}")
    assert listed.status_code == 200, listed.text
    assert [entry["value"] for entry in listed.json()["Resources"][0]["members"]] == [member]
    assert all("members" not in item for item in listed_plain.json()["Resources"])
