"""The attributes and excludedAttributes parameters on GoToMeeting users and groups."""

from __future__ import annotations

from typing import Any

from tests.integration.conftest import Stack

SEARCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def _get(stack: Stack, path: str, **params: str) -> dict[str, Any]:
    response = stack.scim.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_get_attributes(stack: Stack) -> None:
    user = stack.create_user(1)

    body = _get(stack, f"/Users/{user['id']}", attributes="userName,name.givenName")

    assert set(body) == {"schemas", "id", "userName", "name"}
    assert body["id"] == user["id"]
    assert body["name"] == {"givenName": "Given1"}


def test_get_excluded(stack: Stack) -> None:
    user = stack.create_user(2)

    body = _get(stack, f"/Users/{user['id']}", excludedAttributes="emails,name,locale")

    assert "emails" not in body
    assert "name" not in body
    assert "locale" not in body
    assert body["userName"] == "user2@example.com"
    assert body["id"] == user["id"]
    assert body["schemas"] == user["schemas"]


def test_excluded_id_kept(stack: Stack) -> None:
    user = stack.create_user(3)

    body = _get(stack, f"/Users/{user['id']}", excludedAttributes="id,schemas,userName")

    assert body["id"] == user["id"]
    assert body["schemas"] == user["schemas"]
    assert "userName" not in body
    assert body["displayName"] == "Given3 Family3"


def test_list_attributes(stack: Stack) -> None:
    stack.create_user(4)
    stack.create_user(5)

    body = _get(stack, "/Users", attributes="displayName")

    assert body["totalResults"] == 3
    for resource in body["Resources"]:
        assert set(resource) == {"schemas", "id", "displayName"}


def test_list_excluded(stack: Stack) -> None:
    stack.create_user(6)

    body = _get(stack, "/Users", excludedAttributes="emails,meta")

    for resource in body["Resources"]:
        assert "emails" not in resource
        assert "id" in resource
        assert "userName" in resource


def test_list_attributes_filtered(stack: Stack) -> None:
    stack.create_user(7)

    body = _get(
        stack, "/Users", filter='userName eq "user7@example.com"', attributes="emails.value"
    )

    assert body["totalResults"] == 1
    assert body["Resources"][0]["emails"] == [{"value": "user7@example.com"}]
    assert set(body["Resources"][0]) == {"schemas", "id", "emails"}


def test_search_attributes(stack: Stack) -> None:
    stack.create_user(8)

    response = stack.scim.post(
        "/Users/.search",
        json={"schemas": [SEARCH_SCHEMA], "attributes": ["userName"], "count": 10},
    )

    assert response.status_code == 200, response.text
    for resource in response.json()["Resources"]:
        assert set(resource) == {"schemas", "id", "userName"}


def test_group_excluded_members(stack: Stack) -> None:
    user = stack.create_user(9)
    group = stack.create_group("Projected", [user["id"]])

    body = _get(stack, f"/Groups/{group['id']}", excludedAttributes="members")
    listed = _get(stack, "/Groups", excludedAttributes="members")

    assert "members" not in body
    assert body["displayName"] == "Projected"
    assert all("members" not in resource for resource in listed["Resources"])


def test_group_attributes_members(stack: Stack) -> None:
    user = stack.create_user(10)
    group = stack.create_group("OnlyMembers", [user["id"]])

    body = _get(stack, f"/Groups/{group['id']}", attributes="members.value")

    assert set(body) == {"schemas", "id", "members"}
    assert body["members"] == [{"value": user["id"]}]


def test_write_response_attributes(stack: Stack) -> None:
    user = stack.create_user(11)

    response = stack.patch(
        f"/Users/{user['id']}?attributes=name.familyName",
        {"op": "replace", "path": "name.familyName", "value": "Projected"},
    )

    assert response.status_code == 200, response.text
    assert set(response.json()) == {"schemas", "id", "name"}
    assert response.json()["name"] == {"familyName": "Projected"}
