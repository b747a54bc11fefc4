"""Writes to emails, which GoTo keeps as the one email, taken as writes to userName."""

from __future__ import annotations

from tests.integration.conftest import Stack, new_user

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def test_pathless_emails_become_user_name(stack: Stack) -> None:
    user = stack.scim.post("/Users", json=new_user(1)).json()

    response = stack.scim.patch(
        f"/Users/{user['id']}",
        json={
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {
                    "op": "Replace",
                    "value": {"emails": [{"value": "moved1@example.com", "primary": True}]},
                }
            ],
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["userName"] == "moved1@example.com"
    assert stack.target_user(user["id"])["email"] == "moved1@example.com"


def test_emails_list_path_becomes_user_name(stack: Stack) -> None:
    user = stack.scim.post("/Users", json=new_user(2)).json()

    response = stack.scim.patch(
        f"/Users/{user['id']}",
        json={
            "schemas": [PATCH_SCHEMA],
            "Operations": [
                {"op": "replace", "path": "emails", "value": [{"value": "list2@example.com"}]}
            ],
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["emails"][0]["value"] == "list2@example.com"


def test_put_with_emails_only(stack: Stack) -> None:
    user = stack.scim.post("/Users", json=new_user(3)).json()
    body = new_user(3)
    del body["userName"]
    body["emails"] = [{"value": "put3@example.com", "type": "work"}]

    response = stack.scim.put(f"/Users/{user['id']}", json=body)

    assert response.status_code == 200, response.text
    assert response.json()["userName"] == "put3@example.com"


def test_user_name_wins_over_emails(stack: Stack) -> None:
    body = new_user(4, emails=[{"value": "other4@example.com", "primary": True}])

    created = stack.scim.post("/Users", json=body).json()

    assert created["userName"] == "user4@example.com"
    assert created["emails"][0]["value"] == "user4@example.com"


def test_remove_emails_is_refused(stack: Stack) -> None:
    user = stack.scim.post("/Users", json=new_user(5)).json()

    response = stack.scim.patch(
        f"/Users/{user['id']}",
        json={"schemas": [PATCH_SCHEMA], "Operations": [{"op": "remove", "path": "emails"}]},
    )

    assert response.status_code == 400
    assert response.json()["scimType"] == "mutability"
    assert stack.target_user(user["id"])["email"] == "user5@example.com"
