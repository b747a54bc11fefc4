"""The OAuth token endpoint and bearer-token checks.

Grants:

- ``password`` (legacy): ``username`` and ``password`` of the admin user, when
  ``password_grant_enabled``. Returns a refresh token too.
- ``refresh_token``: returns a new access token. A new refresh token comes back only
  when ``rotate_refresh_tokens`` is set, and the old one stays valid either way.
- ``personal_access_token``: ``pat`` must be one of ``personal_access_tokens``.
- ``authorization_code``: the emulator issues no codes, so every code is rejected
  with ``invalid_grant``.
- ``client_credentials`` and anything else: ``unsupported_grant_type``.

Every token acts as the admin user and is good for every Admin API call.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any

from scimbridge.emulators.client_auth import bearer_value, decode_basic
from scimbridge.emulators.gotomeeting.errors import OAuthError, not_authenticated
from scimbridge.emulators.gotomeeting.settings import EmulatorSettings
from scimbridge.emulators.gotomeeting.store import Store
from scimbridge.emulators.state import Document

PRUNE_EVERY_GRANTS = 256


class TokenService:
    """Issues access and refresh tokens and checks bearer tokens."""

    def __init__(self, store: Store, settings: EmulatorSettings) -> None:
        self.store = store
        self.settings = settings
        self._grants = 0

    def authenticate_client(self, form: Mapping[str, str], authorization: str | None) -> str:
        """Return the client id, authenticated by HTTP Basic or by form fields."""
        if authorization is not None:
            credentials = decode_basic(authorization)
            if credentials is None:
                raise OAuthError("invalid_client", "Malformed Basic authorization header.", 401)
        elif "client_id" in form:
            credentials = (form["client_id"], form.get("client_secret", ""))
        else:
            raise OAuthError("invalid_client", "Client authentication is required.", 401)

        client_id, secret = credentials
        expected = self.settings.clients.get(client_id)
        if expected is None or not secrets.compare_digest(expected, secret):
            raise OAuthError("invalid_client", "Unknown client or wrong client secret.", 401)
        return client_id

    def grant(self, form: Mapping[str, str], authorization: str | None) -> dict[str, Any]:
        """Run one token request and return the token response body."""
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required.")
        client_id = self.authenticate_client(form, authorization)

        with self.store.lock:
            self._grants += 1
            if self._grants % PRUNE_EVERY_GRANTS == 0:
                self.store.prune_access_tokens(time.time())

            if grant_type == "password":
                return self._password_grant(client_id, form)
            if grant_type == "refresh_token":
                return self._refresh_grant(client_id, form)
            if grant_type == "personal_access_token":
                return self._pat_grant(client_id, form)
            if grant_type == "authorization_code":
                _required(form, "code")
                raise OAuthError("invalid_grant", "The authorization code is invalid or expired.")
        raise OAuthError("unsupported_grant_type", f"Grant type '{grant_type}' is not supported.")

    def _password_grant(self, client_id: str, form: Mapping[str, str]) -> dict[str, Any]:
        if not self.settings.password_grant_enabled:
            raise OAuthError("unsupported_grant_type", "The password grant is disabled.")

        username = _required(form, "username")
        password = _required(form, "password")
        same_user = username.casefold() == self.settings.admin_email.casefold()
        if not same_user or not secrets.compare_digest(password, self.settings.admin_password):
            raise OAuthError("invalid_grant", "Wrong username or password.")

        response = self._issue_access_token(client_id)
        response["refresh_token"] = self._issue_refresh_token(client_id)
        return response

    def _refresh_grant(self, client_id: str, form: Mapping[str, str]) -> dict[str, Any]:
        value = _required(form, "refresh_token")
        stored = self.store.refresh_tokens.get(value)
        preset = value in self.settings.refresh_tokens
        if not preset and (stored is None or stored["clientId"] != client_id):
            raise OAuthError("invalid_grant", "The refresh token is invalid.")

        response = self._issue_access_token(client_id)
        if self.settings.rotate_refresh_tokens:
            response["refresh_token"] = self._issue_refresh_token(client_id)
        return response

    def _pat_grant(self, client_id: str, form: Mapping[str, str]) -> dict[str, Any]:
        pat = _required(form, "pat")
        if not any(
            secrets.compare_digest(pat, known) for known in self.settings.personal_access_tokens
        ):
            raise OAuthError("invalid_grant", "The personal access token is invalid.")
        return self._issue_access_token(client_id)

    def _issue_access_token(self, client_id: str) -> dict[str, Any]:
        now = time.time()
        token = {
            "token": secrets.token_urlsafe(32),
            "clientId": client_id,
            "principal": self.settings.admin_email,
            "scope": self.settings.token_scope,
            "expiresAt": now + self.settings.access_token_ttl,
        }
        self.store.put_access_token(token)
        return {
            "access_token": token["token"],
            "token_type": "Bearer",
            "expires_in": self.settings.access_token_ttl,
            "scope": token["scope"],
            "principal": token["principal"],
        }

    def _issue_refresh_token(self, client_id: str) -> str:
        value = secrets.token_urlsafe(32)
        self.store.put_refresh_token(
            {"token": value, "clientId": client_id, "principal": self.settings.admin_email}
        )
        return value

    def authenticate(self, authorization: str | None) -> Document:
        """Return the access token record behind a ``Bearer`` header, or raise 401."""
        value = bearer_value(authorization)
        if value is None:
            raise not_authenticated("A Bearer access token is required.")

        token = self.store.access_tokens.get(value)
        if token is None:
            raise not_authenticated("The access token is invalid.")
        if time.time() >= token["expiresAt"]:
            raise not_authenticated("The access token has expired.")
        if "identity:" not in token["scope"].split():
            raise not_authenticated("The access token lacks the identity: scope.")
        return token

    def client_of(self, authorization: str | None) -> str | None:
        """Return the OAuth client behind a bearer token or Basic header, if known."""
        value = bearer_value(authorization)
        if value is not None:
            token = self.store.access_tokens.get(value)
            return None if token is None else str(token["clientId"])
        credentials = decode_basic(authorization)
        return None if credentials is None else credentials[0]


def _required(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuthError("invalid_request", f"{name} is required.")
    return value
