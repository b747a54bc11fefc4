"""Rate limiting with 429 and Retry-After, the token bucket, and latency injection."""

from __future__ import annotations

import time
from dataclasses import replace

import httpx

from scimbridge.emulators.faults import TokenBucket, retry_after_seconds
from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting.settings import (
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SANDBOX_PERSONAL_ACCESS_TOKEN,
)

from .conftest import StartEmulator
from .helpers import HTTP


def pat_grant(url: str, client: tuple[str, str]) -> httpx.Response:
    return HTTP.post(
        url + "/oauth/token",
        data={"grant_type": "personal_access_token", "pat": SANDBOX_PERSONAL_ACCESS_TOKEN},
        auth=client,
    )


def test_bucket_refills() -> None:
    now = [100.0]
    bucket = TokenBucket(rate=2.0, burst=2, clock=lambda: now[0])

    first, second, third = bucket.take(), bucket.take(), bucket.take()
    now[0] += 0.5
    refilled = bucket.take()

    assert (first, second) == (0.0, 0.0)
    assert third == 0.5
    assert refilled == 0.0
    assert bucket.take() == 0.5


def test_retry_after_rounds_up() -> None:
    assert retry_after_seconds(0.01) == 1
    assert retry_after_seconds(1.0) == 1
    assert retry_after_seconds(2.2) == 3


def test_rate_limit_429(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    limited = replace(settings, rate_limit_per_second=0.5, rate_limit_burst=3)
    url = start_emulator(limited).base_url
    client = (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)

    access_token = pat_grant(url, client).json()["access_token"]
    headers = {"Authorization": f"Bearer {access_token}"}
    answers = [HTTP.get(url + "/admin/rest/v1/me", headers=headers) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    rejected = answers[2]
    assert rejected.headers["Retry-After"] == "2"
    assert rejected.json()["errors"][0]["code"] == "rate.limit.exceeded"


def test_rate_limit_token_endpoint(
    start_emulator: StartEmulator, settings: EmulatorSettings
) -> None:
    clients = {**settings.clients, "second": "second-secret"}
    limited = replace(settings, clients=clients, rate_limit_per_second=0.5, rate_limit_burst=2)
    url = start_emulator(limited).base_url
    first_client = (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)

    answers = [pat_grant(url, first_client).status_code for _ in range(3)]
    other_client = pat_grant(url, ("second", "second-secret"))

    assert answers == [200, 200, 429]
    assert other_client.status_code == 200


def test_rate_limit_off(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, rate_limit_per_second=0, rate_limit_burst=1)).base_url
    client = (SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET)

    answers = {pat_grant(url, client).status_code for _ in range(20)}

    assert answers == {200}


def test_latency_setting(start_emulator: StartEmulator, settings: EmulatorSettings) -> None:
    url = start_emulator(replace(settings, latency_seconds=0.3)).base_url

    started = time.perf_counter()
    response = HTTP.get(url + "/admin/rest/v1/me")
    elapsed = time.perf_counter() - started

    assert response.status_code == 401
    assert elapsed >= 0.3
