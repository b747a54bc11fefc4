"""Throttling by the target: retried when the wait is short, passed on when it is long."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting.settings import SANDBOX_ACCOUNT_KEY
from tests.integration.conftest import start_stack

# The account key is configured so the gateway does not spend the small
# request budget of these tests on GET /me at start.
OVERRIDES = {"instances.gotomeeting.account_key": SANDBOX_ACCOUNT_KEY}


def slow_target(rate: float, burst: int) -> Callable[[EmulatorSettings], None]:
    def configure(settings: EmulatorSettings) -> None:
        settings.rate_limit_per_second = rate
        settings.rate_limit_burst = burst

    return configure


def test_short_throttle_is_retried(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, emulator_settings=slow_target(2, 2), overrides=OVERRIDES)
    try:
        statuses = [stack.scim.get("/Users", params={"count": 1}).status_code for _ in range(5)]
    finally:
        stack.close()

    assert statuses == [200] * 5


def test_long_throttle_reaches_client(tmp_path: Path) -> None:
    stack = start_stack(tmp_path, emulator_settings=slow_target(0.1, 1), overrides=OVERRIDES)
    try:
        response = stack.scim.get("/Users", params={"count": 1})
    finally:
        stack.close()

    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 5
    body = response.json()
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == "429"
    assert "retry after" in body["detail"]
