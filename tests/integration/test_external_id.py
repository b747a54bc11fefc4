"""externalId, kept by the gateway because GoTo has no field for it."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Stack, new_user

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def patch(stack: Stack, user_id: str, *operations: dict[str, Any]) -> Any:
    response = stack.scim.patch(
        f"/Users/{user_id}", json={"schemas": [PATCH_SCHEMA], "Operations": list(operations)}
    )
    assert response.status_code == 200, response.text
    return response.json()


def names(page: dict[str, Any]) -> list[str]:
    return [resource["userName"] for resource in page["Resources"]]


def test_external_id_round_trip(stack: Stack) -> None:
    created = stack.scim.post("/Users", json=new_user(1, externalId="okta-0001")).json()

    fetched = stack.scim.get(f"/Users/{created['id']}").json()

    assert created["externalId"] == "okta-0001"
    assert fetched["externalId"] == "okta-0001"


def test_external_id_eq_filter(stack: Stack) -> None:
    stack.scim.post("/Users", json=new_user(1, externalId="ext-1"))
    stack.scim.post("/Users", json=new_user(2, externalId="ext-2"))
    stack.scim.post("/Users", json=new_user(3))

    single = stack.scim.get("/Users", params={"filter": 'externalId eq "ext-2"'}).json()
    either = stack.scim.get(
        "/Users", params={"filter": 'externalId eq "ext-1" or externalId eq "ext-2"'}
    ).json()
    none = stack.scim.get("/Users", params={"filter": 'externalId eq "ext-9"'}).json()

    assert names(single) == ["user2@example.com"]
    assert sorted(names(either)) == ["user1@example.com", "user2@example.com"]
    assert either["totalResults"] == 2
    assert none["totalResults"] == 0


def test_external_id_in_complex_filter(stack: Stack) -> None:
    stack.scim.post("/Users", json=new_user(1, externalId="abc-1"))
    stack.scim.post("/Users", json=new_user(2, externalId="xyz-2"))

    page = stack.scim.get(
        "/Users", params={"filter": 'externalId sw "abc" or userName eq "nobody@example.com"'}
    ).json()
    present = stack.scim.get("/Users", params={"filter": "externalId pr"}).json()

    assert names(page) == ["user1@example.com"]
    assert present["totalResults"] == 2


def test_external_id_patch_and_remove(stack: Stack) -> None:
    created = stack.scim.post("/Users", json=new_user(1, externalId="first")).json()

    replaced = patch(
        stack, created["id"], {"op": "replace", "path": "externalId", "value": "second"}
    )
    removed = patch(stack, created["id"], {"op": "remove", "path": "externalId"})
    pathless = patch(
        stack, created["id"], {"op": "add", "value": {"externalId": "third", "locale": "fr-FR"}}
    )

    assert replaced["externalId"] == "second"
    assert "externalId" not in removed
    assert pathless["externalId"] == "third"
    assert pathless["locale"] == "fr-FR"
    assert stack.target_user(created["id"])["locale"] == "fr_FR"


def test_put_without_external_id_clears_it(stack: Stack) -> None:
    created = stack.scim.post("/Users", json=new_user(1, externalId="gone-soon")).json()

    replaced = stack.scim.put(f"/Users/{created['id']}", json=new_user(1)).json()

    assert "externalId" not in replaced
    assert "externalId" not in stack.scim.get(f"/Users/{created['id']}").json()


def test_external_id_changes_version(stack: Stack) -> None:
    created = stack.scim.post("/Users", json=new_user(1)).json()

    tagged = patch(stack, created["id"], {"op": "add", "path": "externalId", "value": "v2"})

    assert tagged["meta"]["version"] != created["meta"]["version"]


def test_external_id_on_groups(stack: Stack) -> None:
    group = stack.scim.post("/Groups", json={"displayName": "Ext", "externalId": "g-1"}).json()

    page = stack.scim.get("/Groups", params={"filter": 'externalId eq "g-1"'}).json()

    assert page["totalResults"] == 1
    assert page["Resources"][0]["id"] == group["id"]


def test_sort_by_last_modified(stack: Stack) -> None:
    first = stack.scim.post("/Users", json=new_user(1)).json()
    stack.scim.post("/Users", json=new_user(2))
    patch(stack, first["id"], {"op": "replace", "path": "locale", "value": "de-DE"})

    page = stack.scim.get(
        "/Users",
        params={
            "filter": 'userName ew "@example.com"',
            "sortBy": "meta.lastModified",
            "sortOrder": "descending",
        },
    ).json()

    assert names(page)[0] == "user1@example.com"


def test_deleted_user_loses_external_id(stack: Stack) -> None:
    created = stack.scim.post("/Users", json=new_user(1, externalId="ext-del")).json()

    stack.scim.delete(f"/Users/{created['id']}")
    page = stack.scim.get("/Users", params={"filter": 'externalId eq "ext-del"'}).json()

    assert page["totalResults"] == 0
