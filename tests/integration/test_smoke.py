"""A first end-to-end pass through the gateway."""

from tests.integration.conftest import Stack, new_user


def test_user_create_then_get(stack: Stack) -> None:
    created = stack.scim.post("/Users", json=new_user(1))
    assert created.status_code == 201
    user_id = created.json()["id"]

    fetched = stack.scim.get(f"/Users/{user_id}")
    assert fetched.status_code == 200
    assert fetched.json()["userName"] == "user1@example.com"
    assert fetched.headers["content-type"].startswith("application/scim+json")
