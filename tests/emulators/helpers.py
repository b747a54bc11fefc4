"""Small request helpers shared by the GoToMeeting emulator tests."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from scimbridge.emulators.gotomeeting.settings import SANDBOX_LICENSE_KEY


def local_client(**options: Any) -> httpx.Client:
    """Return an httpx client for plain HTTP on 127.0.0.1.

    It skips loading the CA bundle, which costs about 90 ms per client and is
    never used for ``http://`` URLs.
    """
    return httpx.Client(verify=False, timeout=10.0, **options)


HTTP = local_client()
"""Shared client for one-off requests to any emulator."""


def filter_query(expression: str) -> str:
    """Return ``?filter=...`` with spaces as %20, as the real API requires."""
    return "?filter=" + quote(expression, safe="")


def create_users(
    api: httpx.Client, *emails: str, all_or_nothing: bool | None = None, **options: Any
) -> httpx.Response:
    """POST one bulk create; by default every user gets the sandbox G2M license."""
    body: dict[str, Any] = {
        "users": [
            {"email": email, "firstName": email.split("@")[0].title(), "lastName": "Tester"}
            for email in emails
        ],
        "licenseKeys": [SANDBOX_LICENSE_KEY],
    }
    body.update(options)

    params = {} if all_or_nothing is None else {"allOrNothing": str(all_or_nothing).lower()}
    return api.post("/users", json=body, params=params)


def create_user(api: httpx.Client, email: str, **options: Any) -> str:
    """Create one user and return its key."""
    response = create_users(api, email, **options)
    assert response.status_code == 200, response.text
    return str(response.json()[0]["key"])


def create_group(api: httpx.Client, name: str, parent_key: str | None = None) -> str:
    """Create one group and return its key."""
    body: dict[str, Any] = {"name": name}
    if parent_key is not None:
        body["parentKey"] = parent_key
    response = api.post("/groups", json=body)
    assert response.status_code == 200, response.text
    return str(response.json())


def error_codes(response: httpx.Response) -> list[str]:
    """Return the ``code`` of every entry in an Admin API error envelope."""
    return [error["code"] for error in response.json()["errors"]]
