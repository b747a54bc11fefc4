"""Token endpoint grants, client authentication, bearer checks and ``GET /me``."""

from __future__ import annotations

from dataclasses import replace

import httpx
import pytest

from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting.settings import (
    SANDBOX_ACCOUNT_KEY,
    SANDBOX_ADMIN_EMAIL,
    SANDBOX_ADMIN_PASSWORD,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PERSONAL_ACCESS_TOKEN,
    SANDBOX_REFRESH_TOKEN,
)

from .conftest import StartEmulator
from .helpers import HTTP

CLIENT = (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)


def token(base_url: str, auth: tuple[str, str] | None = CLIENT, **form: str) -> httpx.Response:
    """POST a token request; ``auth=None`` sends no client credentials at all."""
    if auth is None:
        return HTTP.post(base_url + "/oauth/token", data=form)
    return HTTP.post(base_url + "/oauth/token", data=form, auth=auth)


def me(base_url: str, access_token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {access_token}"}
    return HTTP.get(base_url + "/admin/rest/v1/me", headers=headers)


def test_pat_grant_response(base_url: str) -> None:
    response = token(
        base_url, grant_type="personal_access_token", pat=SANDBOX_PERSONAL_ACCESS_TOKEN
    )

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["principal"] == SANDBOX_ADMIN_EMAIL
    assert "identity:" in body["scope"].split()
    assert len(body["access_token"]) > 20
    assert "refresh_token" not in body


def test_pat_grant_form_client_credentials(base_url: str) -> None:
    response = token(
        base_url,
        auth=None,
        grant_type="personal_access_token",
        pat=SANDBOX_PERSONAL_ACCESS_TOKEN,
        client_id=SANDBOX_CLIENT_ID,
        client_secret=SANDBOX_CLIENT_SECRET,
    )

    assert response.status_code == 200
    assert response.json()["token_type"] == "Bearer"


def test_pat_grant_unknown_pat(base_url: str) -> None:
    response = token(base_url, grant_type="personal_access_token", pat="not-a-pat")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_client_wrong_secret(base_url: str) -> None:
    response = token(
        base_url,
        auth=(SANDBOX_CLIENT_ID, "wrong"),
        grant_type="personal_access_token",
        pat=SANDBOX_PERSONAL_ACCESS_TOKEN,
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_client_missing(base_url: str) -> None:
    response = token(base_url, auth=None, grant_type="personal_access_token", pat="x")

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_grant_type_missing(base_url: str) -> None:
    response = token(base_url, pat=SANDBOX_PERSONAL_ACCESS_TOKEN)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_token_rejects_json_body(base_url: str) -> None:
    response = HTTP.post(base_url + "/oauth/token", json={"grant_type": "password"}, auth=CLIENT)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_password_grant_returns_refresh_token(base_url: str) -> None:
    response = token(
        base_url,
        grant_type="password",
        username=SANDBOX_ADMIN_EMAIL.upper(),
        password=SANDBOX_ADMIN_PASSWORD,
    )

    assert response.status_code == 200
    body = response.json()
    assert body["principal"] == SANDBOX_ADMIN_EMAIL
    assert body["refresh_token"]
    assert me(base_url, body["access_token"]).status_code == 200


def test_password_grant_wrong_password(base_url: str) -> None:
    response = token(
        base_url, grant_type="password", username=SANDBOX_ADMIN_EMAIL, password="wrong"
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_password_grant_missing_username(base_url: str) -> None:
    response = token(base_url, grant_type="password", password=SANDBOX_ADMIN_PASSWORD)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_password_grant_disabled(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, password_grant_enabled=False)).base_url

    response = token(
        url, grant_type="password", username=SANDBOX_ADMIN_EMAIL, password=SANDBOX_ADMIN_PASSWORD
    )

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_grant_keeps_old_token(base_url: str) -> None:
    login = token(
        base_url,
        grant_type="password",
        username=SANDBOX_ADMIN_EMAIL,
        password=SANDBOX_ADMIN_PASSWORD,
    ).json()

    first = token(base_url, grant_type="refresh_token", refresh_token=login["refresh_token"])
    second = token(base_url, grant_type="refresh_token", refresh_token=login["refresh_token"])

    assert first.status_code == 200
    assert "refresh_token" not in first.json()
    assert second.status_code == 200
    assert first.json()["access_token"] != second.json()["access_token"]
    assert me(base_url, second.json()["access_token"]).status_code == 200


def test_refresh_grant_preset_token(base_url: str) -> None:
    response = token(base_url, grant_type="refresh_token", refresh_token=SANDBOX_REFRESH_TOKEN)

    assert response.status_code == 200
    assert response.json()["expires_in"] == 3600


def test_refresh_grant_unknown_token(base_url: str) -> None:
    response = token(base_url, grant_type="refresh_token", refresh_token="bogus")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_refresh_grant_other_client(
    start_emulator: StartEmulator, settings: EmulatorSettings
) -> None:
    clients = {**settings.clients, "second": "second-secret"}
    url = start_emulator(replace(settings, clients=clients)).base_url
    login = token(
        url, grant_type="password", username=SANDBOX_ADMIN_EMAIL, password=SANDBOX_ADMIN_PASSWORD
    ).json()

    response = token(
        url,
        auth=("second", "second-secret"),
        grant_type="refresh_token",
        refresh_token=login["refresh_token"],
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_refresh_grant_rotation(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, rotate_refresh_tokens=True)).base_url

    rotated = token(url, grant_type="refresh_token", refresh_token=SANDBOX_REFRESH_TOKEN).json()
    again = token(url, grant_type="refresh_token", refresh_token=SANDBOX_REFRESH_TOKEN)
    with_new = token(url, grant_type="refresh_token", refresh_token=rotated["refresh_token"])

    assert rotated["refresh_token"] != SANDBOX_REFRESH_TOKEN
    assert again.status_code == 200
    assert with_new.status_code == 200


def test_authorization_code_unknown(base_url: str) -> None:
    response = token(base_url, grant_type="authorization_code", code="abc", redirect_uri="http://x")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_authorization_code_missing(base_url: str) -> None:
    response = token(base_url, grant_type="authorization_code")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("grant_type", ["client_credentials", "urn:example:other"])
def test_grant_unsupported(base_url: str, grant_type: str) -> None:
    response = token(base_url, grant_type=grant_type)

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_me_fields(base_url: str) -> None:
    access_token = token(
        base_url, grant_type="personal_access_token", pat=SANDBOX_PERSONAL_ACCESS_TOKEN
    ).json()["access_token"]

    response = me(base_url, access_token)

    assert response.status_code == 200
    body = response.json()
    assert body["accountKey"] == SANDBOX_ACCOUNT_KEY
    assert body["accounts"][0]["key"] == SANDBOX_ACCOUNT_KEY
    assert body["accounts"][0]["name"] == "Sandbox Account"
    assert body["email"] == SANDBOX_ADMIN_EMAIL
    assert body["adminRoles"] == ["SUPER_USER"]
    assert body["key"].isdigit()
    assert body["status"] == "ACTIVE"


def test_me_without_token(base_url: str) -> None:
    response = HTTP.get(base_url + "/admin/rest/v1/me")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not.authenticated"
    assert response.json()["incidentId"]


def test_me_unknown_token(base_url: str) -> None:
    response = me(base_url, "not-issued")

    assert response.status_code == 401
    assert "not.authenticated" in response.text


def test_me_expired_token(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, access_token_ttl=0)).base_url
    issued = token(url, grant_type="personal_access_token", pat=SANDBOX_PERSONAL_ACCESS_TOKEN)

    response = me(url, issued.json()["access_token"])

    assert issued.json()["expires_in"] == 0
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not.authenticated"


def test_me_token_without_scope(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, token_scope="collab:")).base_url
    issued = token(url, grant_type="personal_access_token", pat=SANDBOX_PERSONAL_ACCESS_TOKEN)

    response = me(url, issued.json()["access_token"])

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not.authenticated"


def test_users_without_token(base_url: str) -> None:
    response = HTTP.get(f"{base_url}/admin/rest/v1/accounts/{SANDBOX_ACCOUNT_KEY}/users")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not.authenticated"
