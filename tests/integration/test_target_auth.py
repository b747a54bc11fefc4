"""Target credentials: a revoked token gets one refresh, bad credentials a clear 502."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.conftest import Stack, new_user, start_stack


def revoke_target_tokens(stack: Stack) -> None:
    response = httpx.delete(f"{stack.emulator.base_url}/_emulator/access-tokens")
    assert response.status_code == 204


def test_revoked_token_refreshed_once(recorded_stack: Stack) -> None:
    stack = recorded_stack
    created = stack.scim.post("/Users", json=new_user(1)).json()
    user_path = f"/admin/rest/v1/accounts/{stack.account_key}/users/{created['id']}"
    revoke_target_tokens(stack)

    with stack.recorder.window() as calls:
        response = stack.scim.get(f"/Users/{created['id']}")

    assert response.status_code == 200
    assert response.json()["userName"] == "user1@example.com"
    assert calls == [("GET", user_path), ("GET", user_path)]


def test_wrong_target_secret_is_502(tmp_path: Path) -> None:
    stack = start_stack(
        tmp_path,
        overrides={
            "instances.gotomeeting.account_key": "5120447391836620487",
            "instances.gotomeeting.client_secret": "not-the-secret",
        },
    )
    try:
        response = stack.scim.get("/Users")
    finally:
        stack.close()

    body = response.json()
    assert response.status_code == 502
    assert body["status"] == "502"
    assert "credentials" in body["detail"]
    assert "not-the-secret" not in response.text
