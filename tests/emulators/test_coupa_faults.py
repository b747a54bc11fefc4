"""Coupa emulator: rate limiting, latency setting and state kept across a restart."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scimbridge.emulators.coupa import CoupaEmulatorSettings
from scimbridge.emulators.coupa.settings import SANDBOX_API_KEY
from scimbridge.emulators.faults import LatencyMiddleware

from .conftest import StartCoupa
from .coupa_helpers import coupa_api, coupa_token, ids, new_user, token_response
from .helpers import HTTP


def test_rate_limit_429(start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings) -> None:
    limited = replace(coupa_settings, rate_limit_per_second=0.5, rate_limit_burst=3)
    url = start_coupa(limited).base_url
    token = coupa_token(url)

    with coupa_api(url, token) as api:
        answers = [api.get("/users/1") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    rejected = answers[3]
    assert rejected.headers["Retry-After"] == "2"
    assert rejected.json() == {"errors": ["Too many requests. Retry after 2 s."]}


def test_rate_limit_per_client(
    start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings
) -> None:
    clients = {**coupa_settings.clients, "second": ("second-secret", ("core.user.read",))}
    limited = replace(
        coupa_settings,
        clients=clients,
        api_key_enabled=True,
        rate_limit_per_second=0.5,
        rate_limit_burst=2,
    )
    url = start_coupa(limited).base_url
    first_token = coupa_token(url)
    second_token = token_response(url, client=("second", "second-secret")).json()["access_token"]

    with coupa_api(url, first_token) as api:
        first = [api.get("/users/1").status_code for _ in range(3)]
    with coupa_api(url, second_token) as api:
        second = api.get("/users/1").status_code
    keyed = HTTP.get(url + "/api/users/1", headers={"X-COUPA-API-KEY": SANDBOX_API_KEY})

    assert first == [200, 200, 429]
    assert second == 200
    assert keyed.status_code == 200


def test_rate_limit_sandbox_default() -> None:
    settings = CoupaEmulatorSettings.sandbox()

    assert settings.rate_limit_per_second == 25.0
    assert settings.rate_limit_burst == 20
    assert settings.page_cap == 50


def test_latency_middleware_configured(
    start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings
) -> None:
    running = start_coupa(replace(coupa_settings, latency_seconds=0.25))

    layers = [layer for layer in running.app.user_middleware if layer.cls is LatencyMiddleware]
    response = HTTP.get(running.base_url + "/api/users")

    assert len(layers) == 1
    assert layers[0].kwargs["seconds"] == 0.25
    assert response.status_code == 401


def test_state_survives_restart(
    start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings, tmp_path: Path
) -> None:
    file_settings = replace(coupa_settings, state_path=tmp_path / "coupa.db")
    first = start_coupa(file_settings)
    token = coupa_token(first.base_url)
    with coupa_api(first.base_url, token) as api:
        kept = new_user(api, "kept", user_groups=[{"id": 1}], content_groups=[{"id": 2}])
        api.post("/roles", json={"name": "Persisted"})
        api.put("/users/1", json={"firstname": "Renamed"})
    first.stop()

    second = start_coupa(file_settings)
    with coupa_api(second.base_url, token) as api:
        user = api.get(f"/users/{kept['id']}")
        group = api.get("/user_groups/1").json()
        roles = api.get("/roles", params={"name": "Persisted"}).json()
        api_user = api.get("/users/1").json()
        next_user = new_user(api, "next")

    assert user.status_code == 200
    assert user.json()["login"] == "kept"
    assert user.json()["created-at"] == kept["created-at"]
    assert ids(user.json()["user-groups"]) == [1]
    assert ids(user.json()["content-groups"]) == [2]
    assert user.json()["updated-by"]["firstname"] == "Renamed"
    assert ids(group["users"]) == [kept["id"]]
    assert ids(roles) == [7]
    assert api_user["firstname"] == "Renamed"
    assert next_user["id"] == kept["id"] + 1


def test_seed_written_once(
    start_coupa: StartCoupa, coupa_settings: CoupaEmulatorSettings, tmp_path: Path
) -> None:
    file_settings = replace(coupa_settings, state_path=tmp_path / "coupa.db")
    first = start_coupa(file_settings)
    with coupa_api(first.base_url, coupa_token(first.base_url)) as api:
        api.put("/business_groups/1", json={"name": "All Staff"})
    first.stop()

    second = start_coupa(file_settings)
    with coupa_api(second.base_url, coupa_token(second.base_url)) as api:
        groups = api.get("/business_groups").json()

    assert [group["name"] for group in groups] == ["All Staff", "Finance", "IT"]
