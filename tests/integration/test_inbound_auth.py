"""Inbound authentication over HTTP: client credentials, the token endpoint, static tokens
and read-only access, against a live gateway and GoToMeeting emulator."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from scimbridge.auth import IssuedCredential, create_credential
from scimbridge.observability import configure_logging
from scimbridge.settings import load_settings
from scimbridge.store import open_store
from tests.integration.conftest import (
    SCIM_JSON,
    TOKEN,
    Stack,
    assert_scim_error,
    new_user,
    serve_gateway,
    start_stack,
)

SIGNING_KEY = "test-signing-key-of-at-least-32-characters"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def auth_stack(tmp_path: Path) -> Iterator[Stack]:
    """A stack with a known signing key and no credential cache, so revocation is immediate."""
    running = start_stack(
        tmp_path,
        overrides={"auth.signing_key": SIGNING_KEY, "auth.credential_cache_seconds": 0},
    )
    yield running
    running.close()


def store_url(tmp_path: Path) -> str:
    """URL of the store of the gateway ``start_stack(tmp_path)`` started."""
    settings = load_settings(environ={}, overrides={"data_dir": str(tmp_path / "gateway")})
    return settings.store_url


def create(tmp_path: Path, instance: str = "gotomeeting", **options: Any) -> IssuedCredential:
    async def run() -> IssuedCredential:
        async with await open_store(store_url(tmp_path)) as store:
            return await create_credential(store.credentials, instance, **options)

    return asyncio.run(run())


def revoke(tmp_path: Path, credential_id: str) -> None:
    async def run() -> None:
        async with await open_store(store_url(tmp_path)) as store:
            assert await store.credentials.revoke(credential_id) is not None

    asyncio.run(run())


def token_url(stack: Stack, instance: str = "gotomeeting") -> str:
    return f"{stack.gateway.base_url}/{instance}/oauth2/token"


def request_token(
    stack: Stack, issued: IssuedCredential, instance: str = "gotomeeting", **form: str
) -> httpx.Response:
    """POST a client credentials request, authenticating with HTTP Basic."""
    return httpx.post(
        token_url(stack, instance),
        data={"grant_type": "client_credentials", **form},
        auth=(issued.credential.id, issued.secret),
    )


def access_token(stack: Stack, issued: IssuedCredential, **form: str) -> str:
    response = request_token(stack, issued, **form)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def scim_client(stack: Stack, token: str, instance: str = "gotomeeting") -> httpx.Client:
    return httpx.Client(
        base_url=f"{stack.gateway.base_url}/{instance}/scim/v2",
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCIM_JSON},
        timeout=30,
    )


def assert_oauth_error(response: httpx.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error, body
    description: str = body["error_description"]
    return description


def forge(claims: dict[str, Any], key: str = SIGNING_KEY) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


def valid_claims(stack: Stack, issued: IssuedCredential, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": stack.gateway.base_url,
        "aud": "gotomeeting",
        "sub": issued.credential.id,
        "iat": now,
        "exp": now + 600,
        "jti": "test-token",
        "scope": "scim",
    }
    claims.update(changes)
    return claims


# Token endpoint ---------------------------------------------------------------


def test_token_by_basic_authentication(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path, label="Entra ID")
    response = request_token(auth_stack, issued)

    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "scim"

    claims = jwt.decode(
        body["access_token"], SIGNING_KEY, algorithms=["HS256"], audience="gotomeeting"
    )
    assert claims["iss"] == auth_stack.gateway.base_url
    assert claims["sub"] == issued.credential.id
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["scope"] == "scim"
    assert len(claims["jti"]) >= 16

    with scim_client(auth_stack, body["access_token"]) as scim:
        assert scim.get("/Users").status_code == 200
        created = scim.post("/Users", json=new_user(1))
        assert created.status_code == 201, created.text


def test_token_by_form_fields(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = httpx.post(
        token_url(auth_stack),
        data={
            "grant_type": "client_credentials",
            "client_id": issued.credential.id,
            "client_secret": issued.secret,
            "scope": "scim.read",
        },
    )

    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "scim.read"
    with scim_client(auth_stack, response.json()["access_token"]) as scim:
        assert scim.get("/Users").status_code == 200
        detail = assert_scim_error(scim.post("/Users", json=new_user(2)), 403)
    assert "read-only" in detail


def test_token_each_id_unique(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    first = jwt.decode(access_token(auth_stack, issued), options={"verify_signature": False})
    second = jwt.decode(access_token(auth_stack, issued), options={"verify_signature": False})
    assert first["jti"] != second["jti"]


def test_token_wrong_secret(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = httpx.post(
        token_url(auth_stack),
        data={"grant_type": "client_credentials"},
        auth=(issued.credential.id, issued.secret + "x"),
    )
    description = assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")
    assert issued.credential.id in description
    assert issued.secret not in response.text


def test_token_unknown_client(auth_stack: Stack) -> None:
    response = httpx.post(
        token_url(auth_stack),
        data={"grant_type": "client_credentials"},
        auth=("client-0000000000000000", "whatever"),
    )
    assert_oauth_error(response, 401, "invalid_client")
    assert "www-authenticate" in response.headers


def test_token_no_client_authentication(auth_stack: Stack) -> None:
    response = httpx.post(token_url(auth_stack), data={"grant_type": "client_credentials"})
    description = assert_oauth_error(response, 401, "invalid_client")
    assert "HTTP Basic" in description


def test_token_static_credential_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path, static_token=True)
    response = request_token(auth_stack, issued)
    assert_oauth_error(response, 401, "invalid_client")


def test_token_unsupported_grant(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = httpx.post(
        token_url(auth_stack),
        data={"grant_type": "password", "username": "a", "password": "b"},
        auth=(issued.credential.id, issued.secret),
    )
    description = assert_oauth_error(response, 400, "unsupported_grant_type")
    assert "'password'" in description


def test_token_missing_grant(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = httpx.post(
        token_url(auth_stack), data={"scope": "scim"}, auth=(issued.credential.id, issued.secret)
    )
    description = assert_oauth_error(response, 400, "invalid_request")
    assert "grant_type" in description


@pytest.mark.parametrize(
    ("scope", "read_only"),
    [("admin", False), ("scim", True), ("scim scim.read", True), ("scim.write", False)],
)
def test_token_invalid_scope(
    auth_stack: Stack, tmp_path: Path, scope: str, read_only: bool
) -> None:
    issued = create(tmp_path, read_only=read_only)
    response = request_token(auth_stack, issued, scope=scope)
    assert_oauth_error(response, 400, "invalid_scope")


def test_token_read_only_credential_default_scope(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path, read_only=True)
    response = request_token(auth_stack, issued)
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "scim.read"


def test_token_two_authentication_methods(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = request_token(auth_stack, issued, client_secret=issued.secret)
    description = assert_oauth_error(response, 400, "invalid_request")
    assert "one method" in description


def test_token_repeated_parameter(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = httpx.post(
        token_url(auth_stack),
        content="grant_type=client_credentials&grant_type=client_credentials",
        headers={"Content-Type": FORM},
        auth=(issued.credential.id, issued.secret),
    )
    description = assert_oauth_error(response, 400, "invalid_request")
    assert "'grant_type' is repeated" in description


def test_token_json_body_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = httpx.post(
        token_url(auth_stack),
        json={"grant_type": "client_credentials"},
        auth=(issued.credential.id, issued.secret),
    )
    description = assert_oauth_error(response, 400, "invalid_request")
    assert FORM in description


def test_token_query_parameters_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = httpx.post(
        token_url(auth_stack),
        params={"client_id": issued.credential.id, "client_secret": issued.secret},
        data={"grant_type": "client_credentials"},
    )
    assert_oauth_error(response, 400, "invalid_request")


def test_token_get_not_allowed(auth_stack: Stack) -> None:
    response = httpx.get(token_url(auth_stack))
    assert_oauth_error(response, 405, "invalid_request")
    assert response.headers["allow"] == "POST"


def test_token_unknown_instance(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    response = request_token(auth_stack, issued, instance="nosuch")
    description = assert_oauth_error(response, 404, "invalid_request")
    assert "'nosuch'" in description


# Access tokens on SCIM requests -----------------------------------------------


def test_revoked_credential_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    token = access_token(auth_stack, issued)
    with scim_client(auth_stack, token) as scim:
        assert scim.get("/Users").status_code == 200
        revoke(tmp_path, issued.credential.id)
        response = scim.get("/Users")

    detail = assert_scim_error(response, 401)
    assert "revoked" in detail
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert_oauth_error(request_token(auth_stack, issued), 401, "invalid_client")


def test_revocation_within_cache_time(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, overrides={"auth.credential_cache_seconds": 1})
    try:
        issued = create(tmp_path, static_token=True)
        with scim_client(stack, issued.secret) as scim:
            assert scim.get("/Users").status_code == 200
            revoke(tmp_path, issued.credential.id)
            deadline = time.monotonic() + 5
            status = 200
            while status == 200 and time.monotonic() < deadline:
                status = scim.get("/Users").status_code
                time.sleep(0.2)
    finally:
        stack.close()
    assert status == 401


def test_expired_token_refused(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, overrides={"auth.token_lifetime_seconds": 1})
    try:
        issued = create(tmp_path)
        response = request_token(stack, issued)
        assert response.json()["expires_in"] == 1
        time.sleep(2.1)
        with scim_client(stack, response.json()["access_token"]) as scim:
            refused = scim.get("/Users")
    finally:
        stack.close()
    detail = assert_scim_error(refused, 401)
    assert "expired" in detail


def test_token_of_other_instance_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    token = access_token(auth_stack, issued)
    with scim_client(auth_stack, token, instance="coupa") as scim:
        response = scim.get("/Users")
    detail = assert_scim_error(response, 401)
    assert "issued for instance 'gotomeeting', not 'coupa'" in detail


def test_credential_of_other_instance_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path, instance="coupa")
    response = request_token(auth_stack, issued, instance="gotomeeting")
    assert_oauth_error(response, 401, "invalid_client")

    static = create(tmp_path, instance="coupa", static_token=True)
    with scim_client(auth_stack, static.secret) as scim:
        detail = assert_scim_error(scim.get("/Users"), 401)
    assert "belongs to instance 'coupa'" in detail


def test_tampered_token_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path, read_only=True)
    token = access_token(auth_stack, issued)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["scope"] = "scim"
    changed = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()

    with scim_client(auth_stack, f"{header}.{changed}.{signature}") as scim:
        detail = assert_scim_error(scim.get("/Users"), 401)
    assert "signature" in detail


def test_token_signed_with_other_key_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    token = forge(valid_claims(auth_stack, issued), key="another-key-of-at-least-32-characters!")
    with scim_client(auth_stack, token) as scim:
        detail = assert_scim_error(scim.get("/Users"), 401)
    assert "signature" in detail


def test_alg_none_token_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path)
    token = jwt.encode(valid_claims(auth_stack, issued), None, algorithm="none")
    with scim_client(auth_stack, token) as scim:
        detail = assert_scim_error(scim.get("/Users"), 401)
    assert "HS256" in detail


def test_forged_claims_checked(auth_stack: Stack, tmp_path: Path) -> None:
    """Tokens signed with the right key are still refused when a claim is wrong."""
    issued = create(tmp_path)
    cases = {
        "expired": valid_claims(auth_stack, issued, exp=int(time.time()) - 10),
        "not issued by this gateway": valid_claims(auth_stack, issued, iss="http://other"),
        "no 'jti' claim": {k: v for k, v in valid_claims(auth_stack, issued).items() if k != "jti"},
        "scope 'admin'": valid_claims(auth_stack, issued, scope="admin"),
        "does not exist": valid_claims(auth_stack, issued, sub="client-ffffffffffffffff"),
    }
    for expected, claims in cases.items():
        with scim_client(auth_stack, forge(claims)) as scim:
            detail = assert_scim_error(scim.get("/Users"), 401)
        assert expected in detail, (expected, detail)


def test_garbage_bearer_refused(auth_stack: Stack) -> None:
    for token in ("a.b.c", "sbt_0000000000000000_secret", "not-a-token"):
        with scim_client(auth_stack, token) as scim:
            assert_scim_error(scim.get("/Users"), 401)


# Static tokens and read-only access --------------------------------------------


def test_static_token_reads_and_writes(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path, static_token=True, label="Entra ID")
    assert issued.secret.startswith("sbt_")
    with scim_client(auth_stack, issued.secret) as scim:
        assert scim.get("/Users").status_code == 200
        created = scim.post("/Users", json=new_user(3))
        assert created.status_code == 201, created.text
        deleted = scim.delete(f"/Users/{created.json()['id']}")
        assert deleted.status_code == 204, deleted.text


def test_static_token_wrong_secret_refused(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path, static_token=True)
    with scim_client(auth_stack, issued.secret[:-2] + "xx") as scim:
        detail = assert_scim_error(scim.get("/Users"), 401)
    assert issued.credential.id in detail


def test_basic_client_secret_on_scim_endpoints(auth_stack: Stack, tmp_path: Path) -> None:
    issued = create(tmp_path, label="Okta")
    read_only = create(tmp_path, read_only=True)
    url = f"{auth_stack.gateway.base_url}/gotomeeting/scim/v2/Users"

    listed = httpx.get(url, auth=(issued.credential.id, issued.secret))
    created = httpx.post(url, json=new_user(4), auth=(issued.credential.id, issued.secret))
    wrong = httpx.get(url, auth=(issued.credential.id, issued.secret + "x"))
    other = httpx.get(
        url.replace("gotomeeting", "coupa"), auth=(issued.credential.id, issued.secret)
    )
    refused = httpx.post(url, json=new_user(5), auth=(read_only.credential.id, read_only.secret))

    assert listed.status_code == 200, listed.text
    assert created.status_code == 201, created.text
    assert issued.secret not in assert_scim_error(wrong, 401)
    assert "Basic" in wrong.headers["www-authenticate"]
    assert "coupa" in assert_scim_error(other, 401)
    assert assert_scim_error(refused, 403)


@pytest.mark.parametrize("kind", ["static token", "access token"])
def test_read_only_client(auth_stack: Stack, tmp_path: Path, kind: str) -> None:
    user = auth_stack.create_user(4)
    if kind == "static token":
        token = create(tmp_path, static_token=True, read_only=True).secret
    else:
        token = access_token(auth_stack, create(tmp_path, read_only=True))

    with scim_client(auth_stack, token) as scim:
        assert scim.get("/Users").status_code == 200
        assert scim.get(f"/Users/{user['id']}").status_code == 200
        assert scim.get("/ServiceProviderConfig").status_code == 200
        search = scim.post("/Users/.search", json={"filter": 'userName sw "user"'})
        assert search.status_code == 200, search.text
        refused = [
            scim.post("/Users", json=new_user(5)),
            scim.put(f"/Users/{user['id']}", json=new_user(4)),
            scim.patch(
                f"/Users/{user['id']}",
                json={
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "replace", "path": "active", "value": False}],
                },
            ),
            scim.delete(f"/Users/{user['id']}"),
            scim.post("/Bulk", json={"Operations": []}),
        ]

    for response in refused:
        detail = assert_scim_error(response, 403)
        assert "read-only" in detail
        assert "--read-only" in detail
    assert auth_stack.target_user(user["id"])["email"] == "user4@example.com"


def test_settings_token_still_works(auth_stack: Stack) -> None:
    assert auth_stack.scim.get("/Users").status_code == 200
    created = auth_stack.scim.post("/Users", json=new_user(6))
    assert created.status_code == 201, created.text


# Signing key shared through the store ------------------------------------------


def test_generated_key_shared_by_processes(tmp_path: Path) -> None:
    """Two gateways on one store (no auth.signing_key) accept each other's tokens."""
    public_url = "http://gateway.example.test"
    stack = start_stack(tmp_path, overrides={"server.public_url": public_url})
    second = serve_gateway(
        tmp_path / "gateway",
        {
            "server.public_url": public_url,
            "instances.gotomeeting.target_url": f"{stack.emulator.base_url}/admin/rest/v1",
            "instances.gotomeeting.token_url": f"{stack.emulator.base_url}/oauth/token",
        },
    )
    try:
        issued = create(tmp_path)
        token = access_token(stack, issued)
        response = httpx.get(
            f"{second.base_url}/gotomeeting/scim/v2/Users",
            headers={"Authorization": f"Bearer {token}"},
        )
    finally:
        second.stop()
        stack.close()
    assert response.status_code == 200, response.text


# Logging -----------------------------------------------------------------------


def test_log_names_credential_not_secret(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    configure_logging("info")
    stack = start_stack(tmp_path)
    try:
        client = create(tmp_path)
        static = create(tmp_path, static_token=True)
        token = access_token(stack, client)
        httpx.post(
            token_url(stack),
            data={"grant_type": "client_credentials"},
            auth=(client.credential.id, client.secret + "wrong"),
        )
        httpx.post(
            token_url(stack),
            params={"client_secret": client.secret},
            data={"grant_type": "client_credentials"},
        )
        with scim_client(stack, token) as scim:
            assert scim.get("/Users").status_code == 200
        with scim_client(stack, static.secret) as scim:
            assert scim.get("/Users").status_code == 200
        assert stack.scim.get("/Users").status_code == 200
    finally:
        stack.close()

    output = capfd.readouterr()
    combined = output.out + output.err
    records = [json.loads(line) for line in combined.splitlines() if line.startswith("{")]
    requests = [record for record in records if record.get("event") == "request"]
    clients = [record["client"] for record in requests]

    assert clients.count(client.credential.id) >= 2
    assert static.credential.id in clients
    assert "settings-token-1" in clients
    assert client.secret not in combined
    assert static.secret not in combined
    assert token not in combined
    assert TOKEN not in combined
    failures = [r for r in records if r.get("event") == "client_authentication_failed"]
    assert failures[0]["reason"] == "wrong client secret"
