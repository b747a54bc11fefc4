"""Requests as Microsoft Entra ID provisioning sends them, on both connector instances.

Entra ID changes some forms when ``?aadOptscim062020`` is appended to the base
URL (lower-case ops, real booleans, path-less replace with dotted keys, member
removal by path filter). The gateway accepts both forms with one set of rules,
so the tests that cover a form run with and without the flag.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.client_stacks import ENTERPRISE, ClientStack, client_stack, coupa_client
from tests.integration.conftest import PATCH_SCHEMA, assert_scim_error

__all__ = ["client_stack", "coupa_client"]

FLAG = "aadOptscim062020"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
COUPA = "urn:scimbridge:params:scim:schemas:extension:coupa:2.0:User"


def flagged(path: str, flag: bool) -> str:
    """Append Entra ID's flag to ``path`` as Entra ID does: a bare query name."""
    if not flag:
        return path
    return f"{path}{'&' if '?' in path else '?'}{FLAG}"


def patch_ok(stack: ClientStack, path: str, *operations: dict[str, Any]) -> dict[str, Any]:
    response = stack.patch(path, *operations)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def read_user(stack: ClientStack, user_id: str) -> dict[str, Any]:
    response = stack.scim.get(f"/Users/{user_id}")
    assert response.status_code == 200, response.text
    user: dict[str, Any] = response.json()
    return user


def test_flag_on_every_endpoint(client_stack: ClientStack) -> None:
    scim = client_stack.scim
    for path in ("/ServiceProviderConfig", "/Schemas", "/ResourceTypes", "/Groups"):
        assert scim.get(flagged(path, True)).status_code == 200, path

    created = scim.post(flagged("/Users", True), json=client_stack.user_body(1))
    assert created.status_code == 201, created.text
    user = created.json()

    lookup = scim.get(flagged(f'/Users?filter=userName eq "{user["userName"]}"', True))
    assert lookup.status_code == 200, lookup.text
    assert lookup.json()["totalResults"] == 1
    assert scim.get(flagged(f"/Users/{user['id']}", True)).status_code == 200

    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [{"op": "replace", "path": "active", "value": False}],
    }
    patched = scim.patch(flagged(f"/Users/{user['id']}", True), json=body)
    assert patched.status_code == 200, patched.text
    assert patched.json()["active"] is False

    put_body = client_stack.user_body(1, active=True)
    replaced = scim.put(flagged(f"/Users/{user['id']}", True), json=put_body)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["active"] is True

    assert scim.delete(flagged(f"/Users/{user['id']}", True)).status_code == 204


def test_flag_with_random_guid_lookup(client_stack: ClientStack) -> None:
    path = '/Users?filter=userName eq "6c2b7c1e-0f5d-4f0b-9a53-3b4f0c2b9d11"'
    response = client_stack.scim.get(flagged(path, True))

    assert response.status_code == 200, response.text
    assert response.json()["totalResults"] == 0
    assert response.json()["Resources"] == []


@pytest.mark.parametrize("flag", [False, True])
def test_capitalised_op_names(client_stack: ClientStack, flag: bool) -> None:
    user = client_stack.create_user(2)
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [
            {"op": "Replace", "path": "name.givenName", "value": "Grace"},
            {"op": "Add", "path": "name.familyName", "value": "Hopper"},
            {"op": "Replace", "path": "active", "value": "False"},
        ],
    }
    response = client_stack.scim.patch(flagged(f"/Users/{user['id']}", flag), json=body)

    assert response.status_code == 200, response.text
    stored = read_user(client_stack, user["id"])
    assert stored["name"]["givenName"] == "Grace"
    assert stored["name"]["familyName"] == "Hopper"
    assert stored["active"] is False


def test_capitalised_remove(client_stack: ClientStack) -> None:
    # GoTo keeps a timezone that can be cleared. Coupa keeps a value for every
    # scalar, so the removed attribute there is a membership list of the Coupa extension.
    if client_stack.kind == "coupa":
        user = client_stack.create_user(3, **{COUPA: {"userGroups": [{"value": "2"}]}})
        path = f"{COUPA}:userGroups"
        assert "userGroups" in read_user(client_stack, user["id"])[COUPA]
    else:
        user = client_stack.create_user(3, timezone="America/New_York")
        path = "timezone"
        assert "timezone" in read_user(client_stack, user["id"])

    patch_ok(client_stack, f"/Users/{user['id']}", {"op": "Remove", "path": path})

    stored = read_user(client_stack, user["id"])
    assert "timezone" not in stored
    assert "userGroups" not in stored.get(COUPA, {})


def test_boolean_strings_in_bodies(client_stack: ClientStack) -> None:
    created = client_stack.create_user(4, active="True")
    assert created["active"] is True

    body = client_stack.user_body(4, active="False")
    replaced = client_stack.scim.put(f"/Users/{created['id']}", json=body)

    assert replaced.status_code == 200, replaced.text
    assert read_user(client_stack, created["id"])["active"] is False


def test_boolean_string_in_filter(client_stack: ClientStack) -> None:
    active = client_stack.create_user(5)
    inactive = client_stack.create_user(6, active=False)

    response = client_stack.scim.get("/Users", params={"filter": 'active eq "True"', "count": 1000})

    assert response.status_code == 200, response.text
    ids = {resource["id"] for resource in response.json()["Resources"]}
    assert active["id"] in ids
    assert inactive["id"] not in ids


def test_boolean_string_in_value_path(client_stack: ClientStack) -> None:
    user = client_stack.create_user(7)
    new_mail = "renamed7@example.com"

    patch_ok(
        client_stack,
        f"/Users/{user['id']}",
        {"op": "Replace", "path": 'emails[primary eq "True"].value', "value": new_mail},
    )

    emails = [entry["value"] for entry in read_user(client_stack, user["id"])["emails"]]
    assert emails == [new_mail]


def test_roles_primary_rejected(client_stack: ClientStack) -> None:
    user = client_stack.create_user(37)
    # GoToMeeting has no roles; Coupa's roles have no primary sub-attribute.
    missing = "'roles'" if client_stack.kind == "gotomeeting" else "'primary'"

    patched = client_stack.patch(
        f"/Users/{user['id']}",
        {"op": "Replace", "path": 'roles[primary eq "True"].value', "value": "4"},
    )
    listed = client_stack.scim.get("/Users", params={"filter": 'roles[primary eq "True"]'})

    assert missing in assert_scim_error(patched, 400, "invalidPath")
    assert missing in assert_scim_error(listed, 400, "invalidFilter")


@pytest.mark.parametrize("flag", [False, True])
def test_pathless_dotted_keys(client_stack: ClientStack, flag: bool) -> None:
    user = client_stack.create_user(8)
    body = {
        "schemas": [PATCH_SCHEMA],
        "Operations": [
            {
                "op": "replace",
                "value": {"name.givenName": "Ada", "name.familyName": "Byron", "active": False},
            }
        ],
    }
    response = client_stack.scim.patch(flagged(f"/Users/{user['id']}", flag), json=body)

    assert response.status_code == 200, response.text
    stored = read_user(client_stack, user["id"])
    assert stored["name"]["givenName"] == "Ada"
    assert stored["name"]["familyName"] == "Byron"
    assert stored["active"] is False


def test_pathless_core_urn_keys(client_stack: ClientStack) -> None:
    user = client_stack.create_user(9)

    patch_ok(
        client_stack,
        f"/Users/{user['id']}",
        {"op": "replace", "value": {f"{USER_SCHEMA}:name.givenName": "Urn"}},
    )

    assert read_user(client_stack, user["id"])["name"]["givenName"] == "Urn"


def test_pathless_enterprise_keys(coupa_client: ClientStack) -> None:
    manager = coupa_client.create_user(10)
    user = coupa_client.create_user(11)

    patch_ok(
        coupa_client,
        f"/Users/{user['id']}",
        {
            "op": "replace",
            "value": {
                f"{ENTERPRISE}:costCenter": "CC-42",
                f"{ENTERPRISE}:manager.value": manager["id"],
            },
        },
    )

    stored = read_user(coupa_client, user["id"])[ENTERPRISE]
    assert stored["costCenter"] == "CC-42"
    assert stored["manager"]["value"] == manager["id"]


@pytest.mark.parametrize("form", ["bare string", "object without $ref", "pathless bare string"])
def test_manager_forms(coupa_client: ClientStack, form: str) -> None:
    manager = coupa_client.create_user(12)
    user = coupa_client.create_user(13)
    operation: dict[str, Any] = {
        "bare string": {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": manager["id"]},
        "object without $ref": {
            "op": "replace",
            "path": f"{ENTERPRISE}:manager",
            "value": {"value": manager["id"]},
        },
        "pathless bare string": {
            "op": "replace",
            "value": {f"{ENTERPRISE}:manager": manager["id"]},
        },
    }[form]

    patch_ok(coupa_client, f"/Users/{user['id']}", operation)

    assert read_user(coupa_client, user["id"])[ENTERPRISE]["manager"]["value"] == manager["id"]


def test_add_work_email_entry(client_stack: ClientStack) -> None:
    user = client_stack.create_user(14)

    patch_ok(
        client_stack,
        f"/Users/{user['id']}",
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "work14@example.com"},
    )

    emails = read_user(client_stack, user["id"])["emails"]
    assert [entry["value"] for entry in emails] == ["work14@example.com"]


@pytest.mark.parametrize("op", ["Add", "Replace"])
def test_add_missing_address_entry(coupa_client: ClientStack, op: str) -> None:
    user = coupa_client.create_user(15)
    assert "addresses" not in user
    work = 'addresses[type eq "work"]'

    # Entra ID sends one operation for each mapped address attribute.
    patch_ok(
        coupa_client,
        f"/Users/{user['id']}",
        {"op": op, "path": f"{work}.streetAddress", "value": "1 Main St"},
        {"op": op, "path": f"{work}.locality", "value": "Springfield"},
        {"op": op, "path": f"{work}.postalCode", "value": "12345"},
        {"op": op, "path": f"{work}.country", "value": "US"},
    )

    addresses = read_user(coupa_client, user["id"])["addresses"]
    assert addresses[0]["streetAddress"] == "1 Main St"
    assert addresses[0]["locality"] == "Springfield"
    assert addresses[0]["type"] == "work"


@pytest.mark.parametrize("op", ["add", "replace"])
def test_home_email_rejected(client_stack: ClientStack, op: str) -> None:
    user = client_stack.create_user(16)

    response = client_stack.patch(
        f"/Users/{user['id']}",
        {"op": op, "path": 'emails[type eq "home"].value', "value": "home16@example.com"},
    )

    detail = assert_scim_error(response, 400)
    assert response.json()["scimType"] in ("noTarget", "invalidValue")
    assert "'home'" in detail
    assert "work" in detail
    emails = [entry["value"] for entry in read_user(client_stack, user["id"])["emails"]]
    assert emails == [user["emails"][0]["value"]]


def test_home_address_rejected(coupa_client: ClientStack) -> None:
    user = coupa_client.create_user(17)

    response = coupa_client.patch(
        f"/Users/{user['id']}",
        {"op": "add", "path": 'addresses[type eq "home"].streetAddress', "value": "2 Side St"},
    )

    detail = assert_scim_error(response, 400)
    assert "'home'" in detail
    assert "work" in detail
    assert "addresses" not in read_user(coupa_client, user["id"])


def test_phone_number_rejected(client_stack: ClientStack) -> None:
    user = client_stack.create_user(18)

    response = client_stack.patch(
        f"/Users/{user['id']}",
        {"op": "add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555 0100"},
    )

    detail = assert_scim_error(response, 400, "invalidPath")
    assert "phoneNumbers" in detail
    assert "mapping" in detail


def test_remove_members_by_value_array(client_stack: ClientStack) -> None:
    first, second = client_stack.create_user(19), client_stack.create_user(20)
    group = client_stack.group_id("Entra value array")
    add = [{"value": first["id"]}, {"value": second["id"]}]
    patch_ok(client_stack, f"/Groups/{group}", {"op": "Add", "path": "members", "value": add})

    patch_ok(
        client_stack,
        f"/Groups/{group}",
        {"op": "Remove", "path": "members", "value": [{"value": first["id"]}]},
    )

    members = client_stack.member_ids(group)
    assert first["id"] not in members
    assert second["id"] in members


def test_remove_member_by_filter(client_stack: ClientStack) -> None:
    first, second = client_stack.create_user(21), client_stack.create_user(22)
    group = client_stack.group_id("Entra filter")
    add = [{"value": first["id"]}, {"value": second["id"]}]
    patch_ok(client_stack, f"/Groups/{group}", {"op": "add", "path": "members", "value": add})

    response = client_stack.scim.patch(
        flagged(f"/Groups/{group}", True),
        json={
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "remove", "path": f'members[value eq "{second["id"]}"]'}],
        },
    )

    # 200 with the group: Entra ID accepts it as well as 204, and RFC 7644 §3.5.2 allows both.
    assert response.status_code == 200, response.text
    members = client_stack.member_ids(group)
    assert first["id"] in members
    assert second["id"] not in members


def test_several_member_changes(client_stack: ClientStack) -> None:
    users = [client_stack.create_user(index) for index in range(23, 27)]
    ids = [user["id"] for user in users]
    group = client_stack.group_id("Entra batch")
    patch_ok(
        client_stack,
        f"/Groups/{group}",
        {"op": "add", "path": "members", "value": [{"value": ids[0]}, {"value": ids[1]}]},
    )

    patch_ok(
        client_stack,
        f"/Groups/{group}",
        {"op": "Add", "path": "members", "value": [{"value": ids[2]}]},
        {"op": "Remove", "path": "members", "value": [{"value": ids[0]}]},
        {"op": "Add", "path": "members", "value": [{"value": ids[3]}]},
        {"op": "Remove", "path": f'members[value eq "{ids[1]}"]'},
    )

    members = client_stack.member_ids(group)
    assert ids[2] in members
    assert ids[3] in members
    assert ids[0] not in members
    assert ids[1] not in members


def test_stray_id_and_operation_name(client_stack: ClientStack) -> None:
    user = client_stack.create_user(27)
    group = client_stack.group_id("Entra stray keys")
    body = {
        "schemas": [PATCH_SCHEMA],
        "id": group,
        "Operations": [
            {"name": "addMember", "op": "add", "path": "members", "value": [{"value": user["id"]}]}
        ],
    }

    response = client_stack.scim.patch(f"/Groups/{group}", json=body)

    assert response.status_code == 200, response.text
    assert user["id"] in client_stack.member_ids(group)


def test_display_name_same_value_ignored(client_stack: ClientStack) -> None:
    user = client_stack.create_user(28)
    current = read_user(client_stack, user["id"])["displayName"]

    patch_ok(
        client_stack,
        f"/Users/{user['id']}",
        {"op": "Replace", "path": "displayName", "value": current},
        {"op": "Replace", "value": {"displayName": current, "name.givenName": "Given28"}},
    )

    assert read_user(client_stack, user["id"])["displayName"] == current


def test_display_name_follows_renamed_name(client_stack: ClientStack) -> None:
    user = client_stack.create_user(29)

    patch_ok(
        client_stack,
        f"/Users/{user['id']}",
        {
            "op": "replace",
            "value": {
                "name.givenName": "Katherine",
                "name.familyName": "Johnson",
                "displayName": "Katherine Johnson",
                "name.formatted": "Katherine Johnson",
            },
        },
    )

    stored = read_user(client_stack, user["id"])
    assert stored["displayName"] == "Katherine Johnson"
    assert stored["name"]["givenName"] == "Katherine"


def test_display_name_change_rejected(client_stack: ClientStack) -> None:
    user = client_stack.create_user(30)

    response = client_stack.patch(
        f"/Users/{user['id']}", {"op": "Replace", "path": "displayName", "value": "Someone Else"}
    )

    detail = assert_scim_error(response, 400, "mutability")
    assert "displayName" in detail
    assert "mapping" in detail
    assert read_user(client_stack, user["id"])["displayName"] == user["displayName"]


def test_display_name_in_put_ignored(client_stack: ClientStack) -> None:
    user = client_stack.create_user(31)
    body = client_stack.user_body(31, displayName="Someone Else")

    response = client_stack.scim.put(f"/Users/{user['id']}", json=body)

    assert response.status_code == 200, response.text
    assert read_user(client_stack, user["id"])["displayName"] == user["displayName"]


def test_case_insensitive_patch_paths(client_stack: ClientStack) -> None:
    user = client_stack.create_user(32)

    patch_ok(
        client_stack,
        f"/Users/{user['id']}",
        {"op": "replace", "path": "NAME.givenname", "value": "Upper"},
        {"op": "replace", "value": {"Name.FamilyName": "Case", "ACTIVE": "false"}},
        {"op": "replace", "path": f"{USER_SCHEMA.upper()}:name.GIVENNAME", "value": "Upper2"},
    )

    stored = read_user(client_stack, user["id"])
    assert stored["name"]["givenName"] == "Upper2"
    assert stored["name"]["familyName"] == "Case"
    assert stored["active"] is False


def test_case_insensitive_bodies(client_stack: ClientStack) -> None:
    body = client_stack.user_body(33)
    upper: dict[str, Any] = {
        "SCHEMAS": [USER_SCHEMA.upper()],
        "UserName": body["userName"],
        "NAME": {"GIVENNAME": "Mixed", "familyname": "Case"},
    }
    if "emails" in body:
        upper["EMAILS"] = [{"VALUE": body["emails"][0]["value"], "Type": "work"}]

    created = client_stack.scim.post("/Users", json=upper)

    assert created.status_code == 201, created.text
    user = created.json()
    assert user["userName"] == body["userName"]
    assert user["name"]["givenName"] == "Mixed"
    upper["NAME"] = {"GIVENNAME": "Again", "FAMILYNAME": "Case"}
    replaced = client_stack.scim.put(f"/Users/{user['id']}", json=upper)
    assert replaced.status_code == 200, replaced.text
    assert read_user(client_stack, user["id"])["name"]["givenName"] == "Again"


def test_case_insensitive_queries(client_stack: ClientStack) -> None:
    user = client_stack.create_user(34)

    response = client_stack.scim.get(
        "/Users",
        params={
            "filter": f'USERNAME eq "{user["userName"].upper()}"',
            "attributes": "USERNAME,Name.GivenName",
        },
    )

    assert response.status_code == 200, response.text
    found = response.json()["Resources"]
    assert [resource["id"] for resource in found] == [user["id"]]
    assert found[0]["userName"] == user["userName"]
    assert found[0]["name"] == {"givenName": user["name"]["givenName"]}
    assert "active" not in found[0]


def test_case_insensitive_urns(client_stack: ClientStack) -> None:
    user = client_stack.create_user(35)

    response = client_stack.scim.get(
        "/Users",
        params={
            "filter": f'{USER_SCHEMA.upper()}:USERNAME eq "{user["userName"]}"',
            "excludedAttributes": f"{USER_SCHEMA.upper()}:NAME",
        },
    )

    assert response.status_code == 200, response.text
    found = response.json()["Resources"]
    assert [resource["id"] for resource in found] == [user["id"]]
    assert "name" not in found[0]


def test_case_insensitive_extension_path(coupa_client: ClientStack) -> None:
    user = coupa_client.create_user(36)

    patch_ok(
        coupa_client,
        f"/Users/{user['id']}",
        {"op": "Add", "path": f"{ENTERPRISE.upper()}:COSTCENTER", "value": "CC-7"},
        {"op": "Replace", "value": {ENTERPRISE.lower(): {"EmployeeNumber": "E-36"}}},
    )

    stored = read_user(coupa_client, user["id"])[ENTERPRISE]
    assert stored["costCenter"] == "CC-7"
    assert stored["employeeNumber"] == "E-36"
