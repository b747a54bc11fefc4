"""Requests as Okta provisioning sends them, on both connector instances.

Okta creates users with ``password``, ``groups: []``, ``locale``, ``externalId`` and
``active``. It updates a profile by a GET followed by a PUT of the whole object, and
deactivates by PATCH or PUT of ``active=false``. It renames a group by a path-less
replace that carries the group's ``id``. It changes members by a remove with a
filter followed by an add, or replaces all of them ("full push").
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.client_stacks import ClientStack, client_stack
from tests.integration.conftest import PATCH_SCHEMA, assert_scim_error

__all__ = ["client_stack"]

# A locale each connector accepts: GoTo takes language and region, Coupa its own codes.
LOCALES = {"gotomeeting": "en-GB", "coupa": "fr"}


def read(stack: ClientStack, path: str) -> dict[str, Any]:
    response = stack.scim.get(path)
    assert response.status_code == 200, response.text
    resource: dict[str, Any] = response.json()
    return resource


def okta_user(stack: ClientStack, index: int) -> dict[str, Any]:
    """Return a create body as Okta sends it."""
    return stack.user_body(
        index,
        password="t1meMa$heen",
        groups=[],
        locale=LOCALES[stack.kind],
        externalId=f"00u{index}okta",
        active=True,
    )


def test_create_with_okta_fields(client_stack: ClientStack) -> None:
    created = client_stack.scim.post("/Users", json=okta_user(client_stack, 1))

    assert created.status_code == 201, created.text
    user = read(client_stack, f"/Users/{created.json()['id']}")
    assert user["externalId"] == "00u1okta"
    assert user["active"] is True
    assert user["locale"] == LOCALES[client_stack.kind]
    assert "password" not in user
    found = client_stack.scim.get("/Users", params={"filter": 'externalId eq "00u1okta"'})
    assert [resource["id"] for resource in found.json()["Resources"]] == [user["id"]]


@pytest.mark.parametrize("body", [b"", b"{}"], ids=["no body", "empty object"])
def test_create_empty_body(client_stack: ClientStack, body: bytes) -> None:
    response = client_stack.scim.post("/Users", content=body)

    detail = assert_scim_error(response, 400)
    assert detail


def test_put_full_object_after_get(client_stack: ClientStack) -> None:
    created = client_stack.live.post_created("/Users", okta_user(client_stack, 2))
    full = read(client_stack, f"/Users/{created['id']}")
    full["name"]["givenName"] = "Changed"
    full["password"] = "n3wPa$$word"
    full["groups"] = []

    response = client_stack.scim.put(f"/Users/{created['id']}", json=full)

    assert response.status_code == 200, response.text
    stored = read(client_stack, f"/Users/{created['id']}")
    assert stored["name"]["givenName"] == "Changed"
    assert stored["displayName"] == f"Changed {created['name']['familyName']}"
    assert stored["externalId"] == "00u2okta"
    assert "password" not in stored


def test_deactivate_by_pathless_patch(client_stack: ClientStack) -> None:
    user = client_stack.live.post_created("/Users", okta_user(client_stack, 3))

    response = client_stack.patch(
        f"/Users/{user['id']}", {"op": "replace", "value": {"active": False}}
    )

    assert response.status_code == 200, response.text
    assert read(client_stack, f"/Users/{user['id']}")["active"] is False


def test_deactivate_by_put(client_stack: ClientStack) -> None:
    user = client_stack.live.post_created("/Users", okta_user(client_stack, 4))
    full = read(client_stack, f"/Users/{user['id']}")
    full["active"] = False

    response = client_stack.scim.put(f"/Users/{user['id']}", json=full)

    assert response.status_code == 200, response.text
    assert read(client_stack, f"/Users/{user['id']}")["active"] is False


def test_group_rename_same_name(client_stack: ClientStack) -> None:
    group = client_stack.group_id("Okta same name")
    current = read(client_stack, f"/Groups/{group}")

    response = client_stack.patch(
        f"/Groups/{group}",
        {"op": "replace", "value": {"id": group, "displayName": current["displayName"]}},
    )

    assert response.status_code == 200, response.text
    assert read(client_stack, f"/Groups/{group}")["displayName"] == current["displayName"]


def test_group_rename(client_stack: ClientStack) -> None:
    group = client_stack.group_id("Okta before")
    current = read(client_stack, f"/Groups/{group}")

    response = client_stack.patch(
        f"/Groups/{group}", {"op": "replace", "value": {"id": group, "displayName": "Okta after"}}
    )

    if client_stack.kind == "coupa":
        # Coupa group names are read-only: a new name is rejected and names the fix.
        detail = assert_scim_error(response, 400, "mutability")
        assert "displayName" in detail
        assert read(client_stack, f"/Groups/{group}")["displayName"] == current["displayName"]
    else:
        assert response.status_code == 200, response.text
        assert read(client_stack, f"/Groups/{group}")["displayName"] == "Okta after"


def test_group_rename_other_id_rejected(client_stack: ClientStack) -> None:
    group = client_stack.group_id("Okta id")
    current = read(client_stack, f"/Groups/{group}")

    response = client_stack.patch(
        f"/Groups/{group}",
        {"op": "replace", "value": {"id": "999999", "displayName": current["displayName"]}},
    )

    detail = assert_scim_error(response, 400, "mutability")
    assert "id" in detail


def test_member_remove_filter_then_add(client_stack: ClientStack) -> None:
    leaving, joining = client_stack.create_user(5), client_stack.create_user(6)
    group = client_stack.group_id("Okta members")
    client_stack.patch(
        f"/Groups/{group}", {"op": "add", "path": "members", "value": [{"value": leaving["id"]}]}
    )

    response = client_stack.patch(
        f"/Groups/{group}",
        {"op": "remove", "path": f'members[value eq "{leaving["id"]}"]'},
        {
            "op": "add",
            "path": "members",
            "value": [{"value": joining["id"], "display": joining["userName"]}],
        },
    )

    assert response.status_code == 200, response.text
    members = client_stack.member_ids(group)
    assert joining["id"] in members
    assert leaving["id"] not in members


@pytest.mark.parametrize("form", ["path members", "path-less"])
def test_member_full_push(client_stack: ClientStack, form: str) -> None:
    first, second, third = (client_stack.create_user(index) for index in (7, 8, 9))
    group = client_stack.group_id("Okta push")
    client_stack.patch(
        f"/Groups/{group}",
        {
            "op": "add",
            "path": "members",
            "value": [{"value": first["id"]}, {"value": second["id"]}],
        },
    )
    pushed = [
        {"value": second["id"], "display": second["userName"]},
        {"value": third["id"], "display": third["userName"]},
    ]
    operation: dict[str, Any] = {"op": "replace", "path": "members", "value": pushed}
    if form == "path-less":
        operation = {"op": "replace", "value": {"id": group, "members": pushed}}

    response = client_stack.patch(f"/Groups/{group}", operation)

    assert response.status_code == 200, response.text
    members = client_stack.member_ids(group)
    assert second["id"] in members
    assert third["id"] in members
    assert first["id"] not in members


def test_patch_body_keys_any_case(client_stack: ClientStack) -> None:
    user = client_stack.live.post_created("/Users", okta_user(client_stack, 10))
    body = {
        "Schemas": [PATCH_SCHEMA],
        "operations": [{"OP": "replace", "VALUE": {"active": False}}],
    }

    response = client_stack.scim.patch(f"/Users/{user['id']}", json=body)

    assert response.status_code == 200, response.text
    assert read(client_stack, f"/Users/{user['id']}")["active"] is False


# Attributes outside the published schema ---------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"nickName": "Ada", "profileUrl": "https://example.com/ada"},
        {"phoneNumbers": [{"value": "+33 1 23 45 67 89", "type": "work"}]},
    ],
    ids=["rfc simple attributes", "rfc multi-valued attribute"],
)
def test_rfc_attribute_the_target_lacks_is_ignored(
    client_stack: ClientStack, extra: dict[str, Any]
) -> None:
    created = client_stack.scim.post("/Users", json={**okta_user(client_stack, 7), **extra})

    assert created.status_code == 201, created.text
    user = read(client_stack, f"/Users/{created.json()['id']}")
    assert not any(name in user for name in extra)


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_misspelt_attribute_rejected_and_nothing_written(
    client_stack: ClientStack, method: str
) -> None:
    body = {**okta_user(client_stack, 8), "shoeSize": 42}
    path = "/Users"
    if method == "PUT":
        created = client_stack.live.post_created("/Users", okta_user(client_stack, 9))
        path = f"/Users/{created['id']}"
        body["name"] = {"givenName": "Changed", "familyName": "Changed"}
    before = client_stack.scim.get("/Users").json()["totalResults"]

    response = client_stack.scim.request(method, path, json=body)

    detail = assert_scim_error(response, 400, "invalidSyntax")
    assert "'shoeSize'" in detail
    assert "attribute mapping" in detail
    assert client_stack.scim.get("/Users").json()["totalResults"] == before
    if method == "PUT":
        assert read(client_stack, path)["name"]["givenName"] != "Changed"


USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def test_enterprise_extension_listed_by_habit(client_stack: ClientStack) -> None:
    body = okta_user(client_stack, 10)
    body["schemas"] = [*body.get("schemas", [USER_SCHEMA]), ENTERPRISE]
    body[ENTERPRISE] = {"division": "Research"}

    created = client_stack.scim.post("/Users", json=body)

    assert created.status_code == 201, created.text
    assert "division" not in read(client_stack, f"/Users/{created.json()['id']}").get(
        ENTERPRISE, {}
    )


def test_misspelt_enterprise_attribute_rejected(client_stack: ClientStack) -> None:
    body = okta_user(client_stack, 11)
    body["schemas"] = [*body.get("schemas", [USER_SCHEMA]), ENTERPRISE]
    body[ENTERPRISE] = {"shoeSize": 42}

    detail = assert_scim_error(client_stack.scim.post("/Users", json=body), 400, "invalidSyntax")

    assert "'shoeSize'" in detail


def test_misspelt_sub_attribute_rejected(client_stack: ClientStack) -> None:
    body = okta_user(client_stack, 12)
    body["name"] = {**body["name"], "shoeSize": "42", "middleName": "Augusta"}

    detail = assert_scim_error(client_stack.scim.post("/Users", json=body), 400, "invalidSyntax")

    assert "'shoeSize'" in detail
    assert "name" in detail


def test_rfc_sub_attributes_echoed_are_accepted(client_stack: ClientStack) -> None:
    body = okta_user(client_stack, 13)
    body["name"] = {**body["name"], "honorificPrefix": "Dr", "formatted": "Dr Ada"}
    emails = body.get("emails") or [{"value": body["userName"], "type": "work"}]
    body["emails"] = [{**email, "display": "Ada"} for email in emails]

    created = client_stack.scim.post("/Users", json=body)

    assert created.status_code == 201, created.text
