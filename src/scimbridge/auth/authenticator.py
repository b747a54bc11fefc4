"""Authentication of SCIM requests and token requests, and the credential cache."""

from __future__ import annotations

import base64
import binascii
import hmac
import time
from collections.abc import Sequence
from dataclasses import dataclass

from scimbridge.auth.credentials import static_token_id
from scimbridge.auth.hashing import secret_matches
from scimbridge.auth.scopes import SCOPE_READ
from scimbridge.auth.tokens import TokenIssuer
from scimbridge.errors import ScimbridgeError, Unauthorized
from scimbridge.store.credentials import CredentialStore, StoredCredential

# Entries of the credential cache; beyond it the cache starts over, so
# requests with many random ids cannot grow it without bound.
MAX_CACHED_CREDENTIALS = 10_000


@dataclass(frozen=True, slots=True)
class Client:
    """The authenticated SCIM client of a request."""

    id: str
    """Credential id, or ``settings-token-N`` for the N-th token of the settings; logged."""
    read_only: bool


class ClientAuthenticationFailed(ScimbridgeError):
    """The client id and secret of a token request do not match an active credential.

    ``reason`` is for the gateway log only, so a client learns nothing about
    which ids exist.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class CredentialCache:
    """Credentials read from the store, reused for ``ttl`` seconds (0 disables it)."""

    def __init__(self, credentials: CredentialStore, ttl: float) -> None:
        self._credentials = credentials
        self._ttl = ttl
        self._entries: dict[str, tuple[float, StoredCredential | None]] = {}

    async def get(self, credential_id: str) -> StoredCredential | None:
        now = time.monotonic()
        cached = self._entries.get(credential_id)
        if cached is not None and cached[0] > now:
            return cached[1]

        credential = await self._credentials.get(credential_id)
        if self._ttl > 0:
            if len(self._entries) >= MAX_CACHED_CREDENTIALS:
                self._entries.clear()
            self._entries[credential_id] = (now + self._ttl, credential)
        return credential


class Authenticator:
    """Check bearer tokens of SCIM requests and client secrets of token requests.

    A bearer token is one of the settings tokens (valid on every instance,
    read and write), a static token credential of the instance, or an access
    token the instance's token endpoint issued. Without a credential store
    only the settings tokens are accepted.
    """

    def __init__(
        self,
        settings_tokens: Sequence[str],
        *,
        credentials: CredentialStore | None = None,
        issuer: TokenIssuer | None = None,
        cache_seconds: float = 0.0,
    ) -> None:
        self._settings_tokens = [token.encode("utf-8") for token in settings_tokens]
        self._credentials = credentials
        self._cache = None if credentials is None else CredentialCache(credentials, cache_seconds)
        self.issuer = issuer

    async def authenticate(self, authorization: str, instance: str) -> Client:
        """Return the client an ``Authorization`` header value authenticates on ``instance``.

        Raises Unauthorized with the reason.
        """
        scheme, _, value = authorization.partition(" ")
        token = value.strip()
        if scheme.lower() == "basic" and token and self._cache is not None:
            return await _basic_client(self._cache, token, instance)
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized(
                "a bearer token is required: send Authorization: Bearer <token>, or HTTP "
                "Basic with the client id and secret of a credential of this instance"
            )

        presented = token.encode("utf-8")
        for index, expected in enumerate(self._settings_tokens):
            if hmac.compare_digest(presented, expected):
                return Client(f"settings-token-{index + 1}", read_only=False)

        cache = self._cache
        credential_id = static_token_id(token)
        if credential_id is not None and cache is not None:
            return await _static_token_client(cache, token, credential_id, instance)
        if token.count(".") == 2 and self.issuer is not None and cache is not None:
            return await _access_token_client(cache, self.issuer, token, instance)
        raise Unauthorized(
            "the bearer token is not valid for this gateway; use the token `scimbridge serve` "
            "printed at start, the one set with --token, SCIMBRIDGE_TOKEN or auth.tokens, "
            f"a static token of instance {instance!r}, or an access token from "
            f"POST /{instance}/oauth2/token"
        )

    async def authenticate_client(
        self, instance: str, client_id: str, client_secret: str
    ) -> StoredCredential:
        """Return the active client-secret credential of ``instance`` that matches.

        The store is read every time, so a revoked credential gets no new token.
        Raises ClientAuthenticationFailed.
        """
        if self._credentials is None:
            raise ClientAuthenticationFailed("this gateway has no credential store")
        credential = await self._credentials.get(client_id)
        if credential is None or credential.kind != "client_secret":
            raise ClientAuthenticationFailed("unknown client id")
        if not secret_matches(client_secret, credential.secret_hash):
            raise ClientAuthenticationFailed("wrong client secret")
        if credential.instance != instance:
            raise ClientAuthenticationFailed(f"credential of instance {credential.instance!r}")
        if credential.revoked:
            raise ClientAuthenticationFailed("credential revoked")
        return credential


async def _static_token_client(
    cache: CredentialCache, token: str, credential_id: str, instance: str
) -> Client:
    credential = await cache.get(credential_id)
    if credential is None or credential.kind != "static_token":
        raise Unauthorized(
            f"the static token names credential {credential_id!r}, which does not exist; "
            "check the token, or create one with `scimbridge credentials create "
            f"{instance} --static-token`"
        )
    if not secret_matches(token, credential.secret_hash):
        raise Unauthorized(
            f"the static token of credential {credential_id!r} is not valid; send the "
            "whole token shown when the credential was created"
        )
    _check_active(credential, instance)
    return Client(credential.id, read_only=credential.read_only)


async def _basic_client(cache: CredentialCache, encoded: str, instance: str) -> Client:
    """Authenticate HTTP Basic with a client id and secret, for clients such as Okta
    that send them on every request instead of fetching a token."""
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    client_id, colon, secret = decoded.partition(":")
    if not colon or not client_id or not secret:
        raise Unauthorized(
            "the HTTP Basic credentials must be base64 of 'client_id:client_secret' of a "
            f"credential of instance {instance!r}"
        )

    credential = await cache.get(client_id)
    if (
        credential is None
        or credential.kind != "client_secret"
        or not secret_matches(secret, credential.secret_hash)
    ):
        raise Unauthorized(
            "the HTTP Basic client id or secret is wrong; send the client id and secret "
            f"that `scimbridge credentials create {instance}` printed"
        )
    _check_active(credential, instance)
    return Client(credential.id, read_only=credential.read_only)


async def _access_token_client(
    cache: CredentialCache, issuer: TokenIssuer, token: str, instance: str
) -> Client:
    claims = issuer.verify(token, instance)
    credential = await cache.get(claims.credential_id)
    if credential is None:
        raise Unauthorized(
            f"the access token's credential {claims.credential_id!r} does not exist; "
            f"request a new token from POST /{instance}/oauth2/token"
        )
    _check_active(credential, instance)
    read_only = credential.read_only or claims.scope == SCOPE_READ
    return Client(credential.id, read_only=read_only)


def _check_active(credential: StoredCredential, instance: str) -> None:
    if credential.instance != instance:
        raise Unauthorized(
            f"credential {credential.id!r} belongs to instance {credential.instance!r}, "
            f"not {instance!r}; use a credential of instance {instance!r}"
        )
    if credential.revoked_at is not None:
        raise Unauthorized(
            f"credential {credential.id!r} was revoked at {credential.revoked_at:%Y-%m-%d %H:%M} "
            "UTC; ask the gateway administrator for a new credential"
        )
