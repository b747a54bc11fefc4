"""OAuth 2.0 access tokens for target APIs, cached and refreshed.

The token endpoint is called with HTTP Basic client authentication and a
form-encoded body (RFC 6749 §2.3.1). Access tokens are cached until shortly
before ``expires_in`` runs out; a refresh token the endpoint hands out replaces
the configured one, and is kept when a response carries none, since GoTo sends
a new refresh token only when it rotates it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
import structlog

from scimbridge.connectors.http import retry_after
from scimbridge.errors import (
    ConfigurationError,
    TargetAuthError,
    TargetThrottled,
    TargetUnavailable,
)
from scimbridge.store.cache import Cache

log = structlog.get_logger("scimbridge.oauth")

# Refresh this many seconds before the token's stated expiry, so a token never
# expires between the check and the call it authorises.
EXPIRY_MARGIN = 60.0

# A throttled token request is retried while the target requests at most this
# many seconds of waiting. A longer wait reaches the SCIM client as 429.
MAX_THROTTLE_WAIT = 5.0
THROTTLE_ATTEMPTS = 3


@dataclass(frozen=True)
class OAuthGrant:
    """The grant a connector uses and the credential it needs.

    ``grant_type`` is one of ``password`` (legacy GoTo "direct login"),
    ``refresh_token``, ``personal_access_token`` or ``client_credentials``.
    """

    token_url: str
    client_id: str
    client_secret: str
    grant_type: str
    username: str | None = None
    password: str | None = None
    refresh_token: str | None = None
    personal_access_token: str | None = None
    scope: str | None = None

    def form(self, refresh_token: str | None) -> dict[str, str]:
        """Build the token request body for this grant."""
        if refresh_token and self.grant_type in ("refresh_token", "password"):
            return {"grant_type": "refresh_token", "refresh_token": refresh_token}

        if self.grant_type == "password":
            if not (self.username and self.password):
                raise ConfigurationError("the password grant needs username and password")
            return {"grant_type": "password", "username": self.username, "password": self.password}
        if self.grant_type == "refresh_token":
            raise ConfigurationError("the refresh_token grant needs refresh_token")
        if self.grant_type == "personal_access_token":
            if not self.personal_access_token:
                raise ConfigurationError(
                    "the personal_access_token grant needs personal_access_token"
                )
            return {"grant_type": "personal_access_token", "pat": self.personal_access_token}
        if self.grant_type == "client_credentials":
            form = {"grant_type": "client_credentials"}
            if self.scope:
                form["scope"] = self.scope
            return form
        raise ConfigurationError(f"unknown OAuth grant_type {self.grant_type!r}")


class TokenProvider:
    """Hands out a valid ``Authorization`` header value for one target account.

    With a shared cache (Redis), gateway processes serving the same instance
    reuse one access token instead of each asking the token endpoint.
    """

    def __init__(
        self,
        grant: OAuthGrant,
        *,
        target_name: str,
        timeout: float = 30.0,
        cache: Cache | None = None,
    ) -> None:
        self._grant = grant
        self._target_name = target_name
        self._cache = cache
        self._cache_key = _cache_key(grant)
        self._refresh_token = grant.refresh_token
        self._access_token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self._client = httpx.AsyncClient(timeout=timeout)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def header(self, force_refresh: bool = False) -> str:
        """Return ``Bearer <token>``, fetching a new token when needed or forced."""
        stale = self._access_token
        async with self._lock:
            # Another task may have refreshed while this one waited for the lock.
            fresh = self._access_token is not None and self._access_token != stale
            valid = self._access_token is not None and time.monotonic() < self._expires_at
            if fresh or (valid and not force_refresh):
                return f"Bearer {self._access_token}"
            if not await self._load_shared(stale):
                await self._fetch()
            return f"Bearer {self._access_token}"

    async def _load_shared(self, rejected: str | None) -> bool:
        """Take a token another process cached, unless it is the one just rejected."""
        if self._cache is None:
            return False
        cached = await self._cache.get(self._cache_key)
        if cached is None:
            return False
        token, _, expires_at = cached.rpartition(" ")
        remaining = float(expires_at) - time.time() if expires_at.replace(".", "").isdigit() else 0
        if not token or token == rejected or remaining <= EXPIRY_MARGIN:
            return False
        self._access_token = token
        self._expires_at = time.monotonic() + remaining - EXPIRY_MARGIN
        return True

    async def _fetch(self) -> None:
        try:
            payload = await self._post(self._grant.form(self._refresh_token))
        except TargetAuthError:
            if self._refresh_token is None or self._grant.grant_type == "refresh_token":
                raise
            # The refresh token may have expired: start over with the primary grant.
            log.info("oauth_refresh_rejected", target=self._target_name)
            self._refresh_token = None
            payload = await self._post(self._grant.form(None))

        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise TargetAuthError(f"{self._target_name} token response has no access_token")

        expires_in = payload.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        self._access_token = token
        self._expires_at = time.monotonic() + max(lifetime - EXPIRY_MARGIN, lifetime / 2)
        new_refresh = payload.get("refresh_token")
        if isinstance(new_refresh, str) and new_refresh:
            self._refresh_token = new_refresh
        if self._cache is not None and lifetime > EXPIRY_MARGIN:
            await self._cache.set(self._cache_key, f"{token} {time.time() + lifetime}", lifetime)
        log.info("oauth_token_issued", target=self._target_name, expires_in=lifetime)

    async def _post(self, form: Mapping[str, str]) -> dict[str, object]:
        for attempt in range(1, THROTTLE_ATTEMPTS + 1):
            response = await self._send(form)
            if response.status_code != 429:
                break
            wait = retry_after(response)
            if wait is None or wait > MAX_THROTTLE_WAIT or attempt == THROTTLE_ATTEMPTS:
                raise TargetThrottled(
                    f"{self._target_name} token endpoint is throttling requests",
                    retry_after=wait,
                )
            await asyncio.sleep(wait)

        return self._payload(response)

    async def _send(self, form: Mapping[str, str]) -> httpx.Response:
        auth = httpx.BasicAuth(self._grant.client_id, self._grant.client_secret)
        try:
            return await self._client.post(
                self._grant.token_url,
                data=dict(form),
                auth=auth,
                headers={"Accept": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise TargetUnavailable(
                f"{self._target_name} token endpoint could not be reached: {type(exc).__name__}"
            ) from exc

    def _payload(self, response: httpx.Response) -> dict[str, object]:
        if response.status_code in (400, 401, 403):
            error = _oauth_error(response)
            raise TargetAuthError(
                f"{self._target_name} token endpoint rejected the credentials ({error}); "
                "check the client id, client secret and grant credential",
                status=response.status_code,
                code=error,
            )
        if not response.is_success:
            raise TargetUnavailable(
                f"{self._target_name} token endpoint returned {response.status_code}",
                status=response.status_code,
            )
        try:
            payload = response.json()
        except ValueError as exc:
            raise TargetUnavailable(f"{self._target_name} token response is not JSON") from exc
        if not isinstance(payload, dict):
            raise TargetUnavailable(f"{self._target_name} token response is not a JSON object")
        return payload


def _cache_key(grant: OAuthGrant) -> str:
    """Build a cache key naming the account a token is for, without any secret in it."""
    who = grant.username or grant.grant_type
    digest = hashlib.sha256(f"{grant.token_url}|{grant.client_id}|{who}".encode()).hexdigest()
    return f"oauth-token:{digest[:32]}"


def _oauth_error(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return "no error code"
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])
    return "no error code"
