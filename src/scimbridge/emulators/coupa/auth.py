"""The OAuth 2.0 token endpoint, API authentication and scope checks.

``POST /oauth2/token`` serves the ``client_credentials`` grant only. The client
authenticates by HTTP Basic or by ``client_id``/``client_secret`` form fields.
API calls authenticate with ``Authorization: Bearer <token>`` (the scheme is
case-insensitive) or, when ``api_key_enabled``, with ``X-COUPA-API-KEY``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scimbridge.emulators.client_auth import bearer_value, decode_basic
from scimbridge.emulators.coupa.errors import AccessError, OAuthError, unauthorized
from scimbridge.emulators.coupa.seed import API_USER_ID
from scimbridge.emulators.coupa.settings import ALL_SCOPES, CoupaEmulatorSettings
from scimbridge.emulators.coupa.store import Store

PRUNE_EVERY_GRANTS = 256
API_KEY_HEADER = "x-coupa-api-key"


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one API request."""

    rate_limit_key: str
    scopes: frozenset[str]
    user_id: int = API_USER_ID


class Authenticator:
    """Issues access tokens and authenticates API calls."""

    def __init__(self, store: Store, settings: CoupaEmulatorSettings) -> None:
        self.store = store
        self.settings = settings
        self._grants = 0

    def grant(self, form: Mapping[str, str], authorization: str | None) -> dict[str, Any]:
        """Run one token request and return the token response body."""
        client_id = self._authenticate_client(form, authorization)

        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required.")
        if grant_type != "client_credentials":
            raise OAuthError(
                "unsupported_grant_type", f"Grant type '{grant_type}' is not supported."
            )

        scopes = self._granted_scopes(client_id, form.get("scope"))
        return self._issue(client_id, scopes)

    def _authenticate_client(self, form: Mapping[str, str], authorization: str | None) -> str:
        credentials = decode_basic(authorization)
        if credentials is None and "client_id" in form:
            credentials = (form["client_id"], form.get("client_secret", ""))
        if credentials is None:
            raise OAuthError("invalid_client", "Client authentication is required.")

        client_id, secret = credentials
        client = self.settings.clients.get(client_id)
        if client is None or not secrets.compare_digest(client[0], secret):
            raise OAuthError("invalid_client", "Unknown client or wrong client secret.")
        return client_id

    def _granted_scopes(self, client_id: str, requested: str | None) -> list[str]:
        allowed = self.settings.clients[client_id][1]
        if requested is None or not requested.strip():
            return list(allowed)

        scopes = list(dict.fromkeys(requested.split()))
        for scope in scopes:
            if scope not in ALL_SCOPES:
                raise OAuthError("invalid_scope", f"Unknown scope '{scope}'.")
            if scope not in allowed:
                raise OAuthError("invalid_scope", f"The client may not request '{scope}'.")
        return scopes

    def _issue(self, client_id: str, scopes: list[str]) -> dict[str, Any]:
        now = time.time()
        self._grants += 1
        if self._grants % PRUNE_EVERY_GRANTS == 0:
            self.store.prune_access_tokens(now)

        token = {
            "token": secrets.token_urlsafe(48),
            "client-id": client_id,
            "scopes": scopes,
            "expires-at": now + self.settings.access_token_ttl,
        }
        self.store.put_access_token(token)
        return {
            "access_token": token["token"],
            "token_type": "bearer",
            "expires_in": self.settings.access_token_ttl,
            "scope": " ".join(scopes),
        }

    def authenticate(self, headers: Mapping[str, str]) -> Caller:
        """Return the caller of an API request, or raise 401."""
        value = bearer_value(headers.get("authorization"))
        if value is not None:
            token = self.store.access_tokens.get(value)
            if token is None:
                raise unauthorized("The access token is invalid.")
            if time.time() >= token["expires-at"]:
                raise unauthorized("The access token has expired.")
            return Caller("client:" + token["client-id"], frozenset(token["scopes"]))

        key = headers.get(API_KEY_HEADER)
        if key is not None and self.settings.api_key_enabled:
            if any(secrets.compare_digest(key, known) for known in self.settings.api_keys):
                return Caller("api-key:" + key[:8], frozenset(ALL_SCOPES))
            raise unauthorized("The API key is invalid.")
        if key is not None:
            raise unauthorized("API keys are disabled on this instance.")
        raise unauthorized("A bearer access token is required.")

    def rate_limit_key(self, headers: Mapping[str, str]) -> str | None:
        """Return the client behind a known bearer token, API key or Basic header."""
        value = bearer_value(headers.get("authorization"))
        if value is not None:
            token = self.store.access_tokens.get(value)
            return None if token is None else "client:" + token["client-id"]

        key = headers.get(API_KEY_HEADER)
        if key is not None and key in self.settings.api_keys:
            return "api-key:" + key[:8]

        credentials = decode_basic(headers.get("authorization"))
        return None if credentials is None else "client:" + credentials[0]

    def require_scope(self, caller: Caller, scope: str) -> None:
        """Raise ``missing_scope_status`` when the caller lacks ``scope``."""
        if scope not in caller.scopes:
            raise AccessError(
                self.settings.missing_scope_status,
                f"Forbidden: this call requires the scope {scope}",
            )
