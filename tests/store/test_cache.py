from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as redis

from scimbridge.errors import StoreError
from scimbridge.store import Cache, MemoryCache, RedisCache, open_cache


@pytest.fixture
def test_prefix(redis_prefix: str) -> str:
    """A prefix of this test alone, under the run's prefix so the run cleans it up."""
    return f"{redis_prefix}{secrets.token_hex(4)}:"


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        opened = open_cache(None, "unused:")
    else:
        url = request.getfixturevalue("redis_url")
        opened = open_cache(url, request.getfixturevalue("test_prefix"))
    yield opened
    await opened.close()


async def test_cache_set_get(cache: Cache) -> None:
    await cache.set("token", "abc", 60)

    assert await cache.get("token") == "abc"


async def test_cache_missing_key(cache: Cache) -> None:
    assert await cache.get("never-set") is None


async def test_cache_overwrite(cache: Cache) -> None:
    await cache.set("token", "old", 60)
    await cache.set("token", "new", 60)

    assert await cache.get("token") == "new"


async def test_cache_delete(cache: Cache) -> None:
    await cache.set("token", "abc", 60)

    await cache.delete("token")
    await cache.delete("never-set")

    assert await cache.get("token") is None


async def test_cache_ttl_expiry(cache: Cache) -> None:
    await cache.set("short", "v", 0.2)
    await cache.set("long", "v", 60)
    assert await cache.get("short") == "v"

    await asyncio.sleep(0.4)

    assert await cache.get("short") is None
    assert await cache.get("long") == "v"


async def test_cache_invalid_ttl(cache: Cache) -> None:
    with pytest.raises(ValueError, match="ttl_seconds=0"):
        await cache.set("k", "v", 0)


async def test_cache_unicode_value(cache: Cache) -> None:
    await cache.set("name", "Zoë Ångström", 60)

    assert await cache.get("name") == "Zoë Ångström"


@pytest.mark.redis
async def test_redis_prefix_isolation(redis_url: str, test_prefix: str) -> None:
    first = RedisCache(redis_url, f"{test_prefix}a:")
    second = RedisCache(redis_url, f"{test_prefix}b:")
    try:
        await first.set("token", "from-a", 60)

        assert await second.get("token") is None
        await second.set("token", "from-b", 60)
        await second.delete("token")
        assert await first.get("token") == "from-a"
    finally:
        await first.close()
        await second.close()


@pytest.mark.redis
async def test_redis_key_under_prefix(redis_url: str, test_prefix: str) -> None:
    cache = RedisCache(redis_url, test_prefix)
    raw = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        await cache.set("token", "abc", 30)

        assert await raw.get(f"{test_prefix}token") == "abc"
        assert 0 < await raw.pttl(f"{test_prefix}token") <= 30_000
        assert await raw.get("token") is None
    finally:
        await cache.close()
        await raw.aclose()


async def test_redis_unreachable() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cache = RedisCache(f"redis://:hunter2-secret@127.0.0.1:{port}/0", "p:")

    try:
        with pytest.raises(StoreError, match="reading from the cache failed") as caught:
            await cache.get("token")
    finally:
        await cache.close()

    assert "hunter2-secret" not in str(caught.value)


async def test_memory_cache_sweeps_expired() -> None:
    now = [0.0]
    cache = MemoryCache(clock=lambda: now[0])
    for n in range(MemoryCache.MIN_SWEEP_SIZE - 1):
        await cache.set(f"old-{n}", "v", 1)

    now[0] = 5.0
    await cache.set("fresh", "v", 1)

    assert len(cache._entries) == 1
    assert await cache.get("fresh") == "v"


def test_open_cache_memory() -> None:
    assert isinstance(open_cache(None, "p:"), MemoryCache)
    assert isinstance(open_cache("memory://", "p:"), MemoryCache)


def test_open_cache_redis() -> None:
    assert isinstance(open_cache("redis://127.0.0.1:6379/0", "p:"), RedisCache)


def test_open_cache_unsupported_scheme() -> None:
    with pytest.raises(StoreError, match="unsupported cache URL scheme 'http'"):
        open_cache("http://127.0.0.1:6379", "p:")


def test_redis_cache_invalid_url() -> None:
    with pytest.raises(StoreError, match="invalid Redis URL"):
        RedisCache("redis://127.0.0.1:notaport/0", "p:")
