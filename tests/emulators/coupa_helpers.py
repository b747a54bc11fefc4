"""Request helpers shared by the Coupa emulator tests."""

from __future__ import annotations

from typing import Any

import httpx
from starlette.applications import Starlette

from scimbridge.emulators.coupa.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET

from .helpers import HTTP, local_client

SANDBOX_CLIENT = (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)


def token_response(
    base_url: str, scope: str | None = None, client: tuple[str, str] = SANDBOX_CLIENT
) -> httpx.Response:
    """POST a client-credentials grant with the client in form fields."""
    form = {"grant_type": "client_credentials", "client_id": client[0], "client_secret": client[1]}
    if scope is not None:
        form["scope"] = scope
    return HTTP.post(base_url + "/oauth2/token", data=form)


def coupa_token(base_url: str, scope: str | None = None) -> str:
    """Return an access token of the sandbox client; every allowed scope when ``scope`` is None."""
    response = token_response(base_url, scope)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def coupa_api(base_url: str, access_token: str) -> httpx.Client:
    """Return a client for ``/api`` calls with the bearer token."""
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    return local_client(base_url=base_url + "/api", headers=headers)


def new_user(api: httpx.Client, login: str, **fields: Any) -> dict[str, Any]:
    """Create a user with the required fields filled from ``login``; return the created user."""
    body: dict[str, Any] = {
        "login": login,
        "email": f"{login}@example.com",
        "firstname": login.title(),
        "lastname": "Tester",
    }
    body.update(fields)
    response = api.post("/users", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def messages(response: httpx.Response, resource: str = "user") -> list[str]:
    """Return the messages of a ``{"errors": {resource: [...]}}`` body."""
    body = response.json()
    assert isinstance(body["errors"], dict), body
    return list(body["errors"][resource])


def ids(items: list[dict[str, Any]]) -> list[int]:
    """Return the ``id`` of every object, in order."""
    return [item["id"] for item in items]


def stored_record(app: Starlette, kind: str, record_id: int) -> dict[str, Any]:
    """Return a record as the Coupa emulator stores it, with microsecond UTC timestamps."""
    record = app.state.emulator.store.get(kind, record_id)
    assert record is not None
    return dict(record)
