"""Rate limiting and latency injection for the emulators, as ASGI middleware.

Both middlewares wrap any ASGI application and act only on HTTP requests. The
emulator decides how a request maps to a rate-limit key and what the 429 body
looks like, so each one can copy its target's conventions.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable

from starlette.middleware import Middleware
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger(__name__)

RateLimitKey = Callable[[Scope], str]
"""Function that maps a request's ASGI scope to the key of its token bucket."""

RejectResponse = Callable[[int], Response]
"""Function that builds the 429 response; it receives the Retry-After value in seconds."""


class TokenBucket:
    """A token bucket that refills at ``rate`` tokens per second up to ``burst`` tokens.

    It starts full. Each request takes one token, and a request that finds the
    bucket empty is rejected without taking one.
    """

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")

        self.rate = rate
        self.burst = max(1, burst)
        self._clock = clock
        self._tokens = float(self.burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take one token and return 0.0, or return the seconds until one is available."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._updated)
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
            self._updated = now

            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate


def retry_after_seconds(wait: float) -> int:
    """Round a wait in seconds up to the whole seconds of a ``Retry-After`` header (at least 1)."""
    return max(1, math.ceil(wait))


def default_reject(retry_after: int) -> Response:
    """Build a plain JSON 429 response."""
    return JSONResponse(
        {"message": f"Too many requests. Retry after {retry_after} s."}, status_code=429
    )


class RateLimitMiddleware:
    """Reject HTTP requests above ``rate`` per second per key with 429 and ``Retry-After``.

    Every distinct value that ``key`` returns gets its own :class:`TokenBucket`.
    A ``rate`` of 0 or less turns the limit off. The middleware sets the
    ``Retry-After`` header on the response that ``reject`` builds.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        rate: float,
        burst: int,
        key: RateLimitKey,
        reject: RejectResponse = default_reject,
    ) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.key = key
        self.reject = reject
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.rate <= 0:
            await self.app(scope, receive, send)
            return

        key = self.key(scope)
        wait = self._bucket(key).take()
        if wait <= 0:
            await self.app(scope, receive, send)
            return

        retry_after = retry_after_seconds(wait)
        logger.info("Rate limit exceeded for %s, Retry-After %d s", key, retry_after)
        response = self.reject(retry_after)
        response.headers["Retry-After"] = str(retry_after)
        await response(scope, receive, send)

    def _bucket(self, key: str) -> TokenBucket:
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = TokenBucket(self.rate, self.burst)
                self._buckets[key] = bucket
            return bucket


class LatencyMiddleware:
    """Wait ``seconds`` before passing each HTTP request on; 0 or less adds no delay."""

    def __init__(self, app: ASGIApp, *, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.seconds > 0:
            await asyncio.sleep(self.seconds)
        await self.app(scope, receive, send)


def fault_middleware(
    *,
    latency_seconds: float,
    rate_limit_per_second: float,
    rate_limit_burst: int,
    key: RateLimitKey,
    reject: RejectResponse,
) -> list[Middleware]:
    """Build an emulator's middleware list: latency first, then the rate limit.

    Latency comes first, so a request that is rejected with 429 is delayed too.
    """
    return [
        Middleware(LatencyMiddleware, seconds=latency_seconds),
        Middleware(
            RateLimitMiddleware,
            rate=rate_limit_per_second,
            burst=rate_limit_burst,
            key=key,
            reject=reject,
        ),
    ]
