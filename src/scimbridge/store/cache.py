"""A small async key-value cache with expiry, in process or in Redis.

The gateway keeps target OAuth access tokens and short-lived counts here.
Several gateway processes share a Redis cache. The in-process cache serves a
single process and loses its content on restart.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

import redis.asyncio as redis
from redis.exceptions import RedisError

from scimbridge.errors import StoreError


class Cache(Protocol):
    """String values under string keys, each kept for a time-to-live in seconds."""

    async def get(self, key: str) -> str | None:
        """Return the value of ``key``, or None when it is missing or expired."""
        ...

    async def set(self, key: str, value: str, ttl_seconds: float) -> None:
        """Store ``value`` under ``key`` for ``ttl_seconds``, replacing any previous value."""
        ...

    async def delete(self, key: str) -> None:
        """Delete ``key``. A missing key is not an error."""
        ...

    async def close(self) -> None:
        """Release connections. The cache must not be used afterwards."""
        ...


def validate_ttl(ttl_seconds: float) -> None:
    if not ttl_seconds > 0:
        raise ValueError(f"ttl_seconds={ttl_seconds} is invalid: it must be greater than 0")


class MemoryCache:
    """A cache in this process's memory, timed by the monotonic clock.

    An expired entry is dropped when read, and all expired entries are dropped
    when the entry count reaches twice the live count of the last sweep (at
    least 1024), so the cache holds at most about twice its live entries.
    """

    MIN_SWEEP_SIZE = 1024

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: dict[str, tuple[str, float]] = {}
        self._sweep_at = self.MIN_SWEEP_SIZE

    async def get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None

        value, expires_at = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        return value

    async def set(self, key: str, value: str, ttl_seconds: float) -> None:
        validate_ttl(ttl_seconds)
        self._entries[key] = (value, self._clock() + ttl_seconds)
        if len(self._entries) >= self._sweep_at:
            self._sweep()

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def close(self) -> None:
        self._entries.clear()

    def _sweep(self) -> None:
        now = self._clock()
        self._entries = {key: entry for key, entry in self._entries.items() if entry[1] > now}
        self._sweep_at = max(self.MIN_SWEEP_SIZE, 2 * len(self._entries))


class RedisCache:
    """A cache in Redis with every key stored as ``prefix + key``.

    The prefix lets several gateways, or a gateway and its tests, share one
    Redis database without seeing each other's keys.
    Expiry uses Redis's own TTL in whole milliseconds, at least 1 ms.
    """

    SOCKET_TIMEOUT_SECONDS = 5.0

    def __init__(self, url: str, prefix: str) -> None:
        self._prefix = prefix
        self._password = urlsplit(url).password
        try:
            self._client: redis.Redis = redis.Redis.from_url(
                url,
                decode_responses=True,
                socket_timeout=self.SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=self.SOCKET_TIMEOUT_SECONDS,
            )
        except ValueError:
            # The message does not repeat the URL, which may contain a password.
            raise StoreError(
                "invalid Redis URL: expected redis://[:PASSWORD@]HOST[:PORT][/DB]"
                " or rediss://... for TLS"
            ) from None

    async def get(self, key: str) -> str | None:
        try:
            value = await self._client.get(self._prefix + key)
        except RedisError as exc:
            raise self._store_error("reading from the cache", exc) from exc

        if isinstance(value, bytes):
            return value.decode()
        return value

    async def set(self, key: str, value: str, ttl_seconds: float) -> None:
        validate_ttl(ttl_seconds)
        milliseconds = max(1, round(ttl_seconds * 1000))
        try:
            await self._client.set(self._prefix + key, value, px=milliseconds)
        except RedisError as exc:
            raise self._store_error("writing to the cache", exc) from exc

    async def delete(self, key: str) -> None:
        try:
            await self._client.delete(self._prefix + key)
        except RedisError as exc:
            raise self._store_error("deleting from the cache", exc) from exc

    async def close(self) -> None:
        try:
            await self._client.aclose()
        except RedisError as exc:
            raise self._store_error("closing the cache", exc) from exc

    def _store_error(self, operation: str, exc: RedisError) -> StoreError:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        if self._password:
            reason = reason.replace(self._password, "***")
        return StoreError(f"{operation} failed: {reason}")


def open_cache(url: str | None, prefix: str) -> Cache:
    """Return a MemoryCache for None or ``memory://``, else a RedisCache for a redis URL.

    Nothing is sent to Redis until the first call, so an unreachable server
    shows as a StoreError then.
    """
    if url is None or url == "memory://":
        return MemoryCache()

    scheme = urlsplit(url).scheme
    if scheme not in ("redis", "rediss", "unix"):
        raise StoreError(
            f"unsupported cache URL scheme {scheme!r}: use memory://, redis://, rediss:// or unix://"
        )
    return RedisCache(url, prefix)
