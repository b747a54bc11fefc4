"""The HTTP layer every target client shares.

It owns the pooled ``httpx.AsyncClient``, counts target calls per SCIM request,
retries throttled and failed idempotent calls with bounded back-off, and
translates httpx exceptions and error statuses into :class:`TargetError`
subclasses, so connector code above it never handles an httpx exception.
"""

from __future__ import annotations

import asyncio
import contextvars
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from scimbridge.errors import (
    TargetAuthError,
    TargetConflict,
    TargetError,
    TargetNotFound,
    TargetRejected,
    TargetThrottled,
    TargetTimeout,
    TargetUnavailable,
)

log = structlog.get_logger("scimbridge.target")

_call_counter: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "scimbridge_target_calls", default=None
)

IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE"})


def start_call_count() -> list[int]:
    """Start counting target calls for the current request; returns the counter cell."""
    cell = [0]
    _call_counter.set(cell)
    return cell


def _count_call() -> None:
    cell = _call_counter.get()
    if cell is not None:
        cell[0] += 1


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a target call is retried.

    A 429 is retried when the target's ``Retry-After`` (or the back-off) is at
    most ``max_wait`` seconds. Beyond that the throttle is passed to the SCIM
    client with the same Retry-After, so the client waits instead of the gateway.
    """

    attempts: int = 4
    base_delay: float = 0.2
    max_wait: float = 5.0


ErrorParser = Callable[[httpx.Response], tuple[str | None, str]]
"""Reads a target error body into (error code, message)."""

AuthHook = Callable[[bool], Awaitable[str]]
"""Returns the value of the authentication header (``Authorization`` unless the
target names another); called with True to force a fresh token."""


class TargetHttp:
    """Sends requests to one target with auth, counting, retries and error translation."""

    def __init__(
        self,
        base_url: str,
        *,
        target_name: str,
        auth: AuthHook | None,
        parse_error: ErrorParser,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        max_connections: int = 20,
        auth_header: str = "Authorization",
    ) -> None:
        self.target_name = target_name
        self._auth = auth
        self._auth_header = auth_header
        self._parse_error = parse_error
        self._retry = retry or RetryPolicy()
        self._client = httpx.AsyncClient(
            base_url=base_url,
            timeout=timeout,
            headers={"Accept": "application/json"},
            limits=httpx.Limits(max_connections=max_connections),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> httpx.Response:
        """Send one logical request and return its successful response.

        A 401 or 403 gets one token refresh and one retry. A 429, a 502, 503 or
        504, or a network failure on an idempotent method gets bounded retries.
        """
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._send(method, path, params, json, force_token=False)
            except TargetUnavailable:
                if method not in IDEMPOTENT or attempt >= self._retry.attempts:
                    raise
                await asyncio.sleep(self._backoff(attempt))
                continue
            if response.status_code in (401, 403) and self._auth is not None and not refreshed:
                refreshed = True
                response = await self._send(method, path, params, json, force_token=True)

            if response.is_success:
                return response

            delay = self._retry_delay(method, response, attempt)
            if delay is None:
                raise self._translate(response)
            log.info(
                "target_retry",
                target=self.target_name,
                method=method,
                status=response.status_code,
                attempt=attempt,
                delay=round(delay, 3),
            )
            await asyncio.sleep(delay)

    async def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        json: Any,
        *,
        force_token: bool,
    ) -> httpx.Response:
        headers = {}
        if self._auth is not None:
            headers[self._auth_header] = await self._auth(force_token)

        _count_call()
        try:
            return await self._client.request(
                method, path, params=params, json=json, headers=headers
            )
        except httpx.TimeoutException as exc:
            raise TargetTimeout(f"{self.target_name} timed out on {method} {path}") from exc
        except httpx.HTTPError as exc:
            raise TargetUnavailable(
                f"{self.target_name} could not be reached for {method} {path}: {type(exc).__name__}"
            ) from exc

    def _retry_delay(self, method: str, response: httpx.Response, attempt: int) -> float | None:
        if attempt >= self._retry.attempts:
            return None

        status = response.status_code
        backoff = self._backoff(attempt)
        if status == 429:
            wait = retry_after(response)
            delay = wait if wait is not None else backoff
            return delay if delay <= self._retry.max_wait else None
        if status in (502, 503, 504) and method in IDEMPOTENT:
            return backoff
        return None

    def _backoff(self, attempt: int) -> float:
        jitter = 1 + random.random() / 4
        return float(self._retry.base_delay * 2.0 ** (attempt - 1) * jitter)

    def _translate(self, response: httpx.Response) -> TargetError:
        code, message = self._parse_error(response)
        status = response.status_code
        text = f"{self.target_name} answered {status}: {message}"
        if status == 429:
            return TargetThrottled(text, retry_after=retry_after(response), code=code)
        if status in (401, 403):
            return TargetAuthError(text, status=status, code=code)
        if status == 404:
            return TargetNotFound(text, status=status, code=code)
        if status == 409:
            return TargetConflict(text, status=status, code=code)
        if 400 <= status < 500:
            return TargetRejected(text, status=status, code=code)
        return TargetUnavailable(text, status=status, code=code)


def retry_after(response: httpx.Response) -> float | None:
    """Read a Retry-After header given in seconds; None when absent or not a number."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, seconds)


def response_json(response: httpx.Response, target_name: str) -> Any:
    """Decode a target's JSON body, or raise TargetUnavailable for a body that is not JSON."""
    try:
        return response.json()
    except ValueError as exc:
        raise TargetUnavailable(
            f"{target_name} returned {response.status_code} with a body that is not JSON"
        ) from exc
