"""Coupa emulator: the client-credentials token endpoint, bearer tokens, scopes and API keys."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scimbridge.emulators.coupa import CoupaEmulatorSettings
from scimbridge.emulators.coupa.settings import ALL_SCOPES, SANDBOX_API_KEY

from .conftest import StartCoupa
from .coupa_helpers import SANDBOX_CLIENT, coupa_api, coupa_token, token_response
from .helpers import HTTP


def test_token_form_client(coupa_url: str) -> None:
    response = token_response(coupa_url, "core.user.read core.common.read")

    body = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 86399
    assert body["scope"] == "core.user.read core.common.read"
    assert body["access_token"]


def test_token_basic_client(coupa_url: str) -> None:
    response = HTTP.post(
        coupa_url + "/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "core.user.read"},
        auth=SANDBOX_CLIENT,
    )

    assert response.status_code == 200
    assert response.json()["scope"] == "core.user.read"


def test_token_without_scope_gets_all(coupa_url: str) -> None:
    response = token_response(coupa_url)

    assert response.json()["scope"].split() == list(ALL_SCOPES)


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"client_secret": "wrong"}, "invalid_client"),
        ({"client_id": "nobody"}, "invalid_client"),
        ({"scope": "core.user.read core.everything"}, "invalid_scope"),
        ({"grant_type": "password"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code"}, "unsupported_grant_type"),
        ({"grant_type": ""}, "invalid_request"),
    ],
)
def test_token_errors(coupa_url: str, form: dict[str, str], error: str) -> None:
    data = {
        "grant_type": "client_credentials",
        "client_id": SANDBOX_CLIENT[0],
        "client_secret": SANDBOX_CLIENT[1],
        **form,
    }

    response = HTTP.post(coupa_url + "/oauth2/token", data=data)

    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_token_scope_not_allowed(
    start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings
) -> None:
    clients = {"reader": ("reader-secret", ("core.user.read",))}
    url = start_coupa(replace(coupa_settings, clients=clients)).base_url

    refused = token_response(url, "core.user.write", client=("reader", "reader-secret"))
    granted = token_response(url, None, client=("reader", "reader-secret"))

    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"
    assert granted.json()["scope"] == "core.user.read"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic c2FuZGJveDpzYW5kYm94"},
    ],
)
def test_api_needs_token(coupa_url: str, headers: dict[str, str]) -> None:
    response = HTTP.get(coupa_url + "/api/users", headers=headers)

    assert response.status_code == 401
    assert response.json() == {"errors": ["Unauthorized"]}
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_bearer_scheme_any_case(coupa_url: str) -> None:
    token = coupa_token(coupa_url)

    response = HTTP.get(coupa_url + "/api/users/1", headers={"Authorization": f"bearer {token}"})

    assert response.status_code == 200
    assert response.json()["login"] == "integration"


def test_expired_token(start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings) -> None:
    url = start_coupa(replace(coupa_settings, access_token_ttl=0)).base_url
    token = coupa_token(url)

    response = HTTP.get(url + "/api/users", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert "expired" in response.headers["WWW-Authenticate"]


SCOPED_CALLS = [
    ("GET", "/users", "core.user.read"),
    ("POST", "/users", "core.user.write"),
    ("PUT", "/users/1", "core.user.write"),
    ("GET", "/users/1/business_groups", "core.user.read"),
    ("PUT", "/users/1/business_groups/2/add", "core.user.write"),
    ("GET", "/user_groups", "core.user_group.read"),
    ("POST", "/user_groups", "core.user_group.write"),
    ("GET", "/user_group_memberships", "core.user_group.read"),
    ("POST", "/user_group_memberships", "core.user_group.write"),
    ("DELETE", "/user_group_memberships/1", "core.user_group.write"),
    ("GET", "/roles", "core.common.read"),
    ("POST", "/roles", "core.common.write"),
    ("GET", "/business_groups/1", "core.common.read"),
    ("PUT", "/business_groups/1", "core.common.write"),
    ("GET", "/currencies", "core.common.read"),
    ("GET", "/addresses", "core.common.read"),
    ("POST", "/addresses", "core.common.write"),
    ("GET", "/approval_limits", "core.common.read"),
    ("GET", "/account_groups", "core.accounting.read"),
    ("PUT", "/account_groups/1", "core.accounting.write"),
    ("GET", "/account_types", "core.accounting.read"),
    ("POST", "/account_types", "core.accounting.write"),
    ("GET", "/accounts", "core.accounting.read"),
    ("PUT", "/accounts/1", "core.accounting.write"),
]


@pytest.mark.parametrize(("method", "path", "scope"), SCOPED_CALLS)
def test_scope_enforced(coupa_url: str, method: str, path: str, scope: str) -> None:
    others = " ".join(item for item in ALL_SCOPES if item != scope)
    with coupa_api(coupa_url, coupa_token(coupa_url, others)) as api:
        response = api.request(method, path, json={})

    assert response.status_code == 403
    assert response.json() == {"errors": [f"Forbidden: this call requires the scope {scope}"]}


@pytest.mark.parametrize(("method", "path", "scope"), SCOPED_CALLS)
def test_scope_admits(coupa_url: str, method: str, path: str, scope: str) -> None:
    with coupa_api(coupa_url, coupa_token(coupa_url, scope)) as api:
        response = api.request(method, path, json={})

    assert response.status_code not in (401, 403), response.text


def test_missing_scope_status_setting(
    start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings
) -> None:
    url = start_coupa(replace(coupa_settings, missing_scope_status=401)).base_url

    with coupa_api(url, coupa_token(url, "core.common.read")) as api:
        response = api.get("/users")

    assert response.status_code == 401
    assert "core.user.read" in response.json()["errors"][0]


def test_api_key_disabled_by_default(coupa_url: str) -> None:
    response = HTTP.get(coupa_url + "/api/users", headers={"X-COUPA-API-KEY": SANDBOX_API_KEY})

    assert response.status_code == 401
    assert "disabled" in response.headers["WWW-Authenticate"]


def test_api_key_enabled(start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings) -> None:
    url = start_coupa(replace(coupa_settings, api_key_enabled=True)).base_url

    good = HTTP.get(url + "/api/accounts", headers={"X-COUPA-API-KEY": SANDBOX_API_KEY})
    write = HTTP.post(
        url + "/api/roles", headers={"x-coupa-api-key": SANDBOX_API_KEY}, json={"name": "Keyed"}
    )
    wrong = HTTP.get(url + "/api/accounts", headers={"X-COUPA-API-KEY": "A" * 40})

    assert len(SANDBOX_API_KEY) == 40
    assert SANDBOX_API_KEY.isalnum()
    assert good.status_code == 200
    assert write.status_code == 201
    assert wrong.status_code == 401
    assert wrong.json() == {"errors": ["Unauthorized"]}


def test_delete_is_404_after_auth(coupa_url: str) -> None:
    anonymous = HTTP.delete(coupa_url + "/api/users/1")
    with coupa_api(coupa_url, coupa_token(coupa_url)) as api:
        deleted = api.delete("/users/1")
        still_there = api.get("/users/1")

    assert anonymous.status_code == 401
    assert deleted.status_code == 404
    assert "deletes nothing" in deleted.json()["errors"]["route"][0]
    assert still_there.status_code == 200
