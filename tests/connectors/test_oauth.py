"""Target OAuth tokens: grants against the live emulator, refresh, and the shared cache."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from scimbridge.connectors.oauth import OAuthGrant, TokenProvider
from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting import create_app as create_emulator
from scimbridge.errors import TargetAuthError
from scimbridge.store.cache import Cache, RedisCache
from tests.support.servers import RunningServer, serve_in_thread


@pytest.fixture(scope="module")
def emulator() -> Iterator[RunningServer]:
    settings = EmulatorSettings.sandbox()
    settings.rate_limit_per_second = 0

    async def factory() -> Any:
        async def nothing() -> None:
            return None

        return create_emulator(settings), nothing

    server = serve_in_thread(factory)
    yield server
    server.stop()


def grant(emulator: RunningServer, **changes: Any) -> OAuthGrant:
    fields: dict[str, Any] = {
        "token_url": f"{emulator.base_url}/oauth/token",
        "client_id": "sandbox-client",
        "client_secret": "sandbox-secret",
        "grant_type": "password",
        "username": "admin@sandbox.example.com",
        "password": "sandbox-password",
    }
    fields.update(changes)
    return OAuthGrant(**fields)


@pytest.fixture
async def redis_cache(redis_url: str, redis_prefix: str) -> AsyncIterator[Cache]:
    cache = RedisCache(redis_url, f"{redis_prefix}oauth:")
    yield cache
    await cache.close()


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"grant_type": "personal_access_token", "personal_access_token": "sandbox-pat"},
        {"grant_type": "refresh_token", "refresh_token": "sandbox-refresh-token"},
    ],
    ids=["password", "personal_access_token", "refresh_token"],
)
async def test_grant_issues_bearer_token(emulator: RunningServer, changes: dict[str, Any]) -> None:
    provider = TokenProvider(grant(emulator, **changes), target_name="GoToMeeting")
    try:
        header = await provider.header()
    finally:
        await provider.aclose()

    assert header.startswith("Bearer ")
    assert len(header) > len("Bearer ") + 10


async def test_token_reused_until_forced(emulator: RunningServer) -> None:
    provider = TokenProvider(grant(emulator), target_name="GoToMeeting")
    try:
        first = await provider.header()
        again = await provider.header()
        forced = await provider.header(force_refresh=True)
    finally:
        await provider.aclose()

    assert again == first
    assert forced != first


async def test_wrong_secret_is_auth_error(emulator: RunningServer) -> None:
    provider = TokenProvider(grant(emulator, client_secret="wrong"), target_name="GoToMeeting")
    try:
        with pytest.raises(TargetAuthError) as caught:
            await provider.header()
    finally:
        await provider.aclose()

    assert "wrong" not in str(caught.value)
    assert "rejected the credentials" in str(caught.value)


async def test_shared_cache_gives_one_token(emulator: RunningServer, redis_cache: Cache) -> None:
    first = TokenProvider(grant(emulator), target_name="GoToMeeting", cache=redis_cache)
    second = TokenProvider(grant(emulator), target_name="GoToMeeting", cache=redis_cache)
    try:
        header_one = await first.header()
        header_two = await second.header()
    finally:
        await first.aclose()
        await second.aclose()

    assert header_two == header_one


async def test_shared_cache_skips_rejected_token(
    emulator: RunningServer, redis_cache: Cache
) -> None:
    first = TokenProvider(grant(emulator), target_name="GoToMeeting", cache=redis_cache)
    second = TokenProvider(grant(emulator), target_name="GoToMeeting", cache=redis_cache)
    try:
        shared = await first.header()
        assert await second.header() == shared
        renewed = await second.header(force_refresh=True)
    finally:
        await first.aclose()
        await second.aclose()

    assert renewed != shared
