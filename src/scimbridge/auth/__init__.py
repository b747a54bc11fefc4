"""Inbound authentication: who a SCIM client is, and whether it may write.

A SCIM request carries a bearer token, which is one of:

- a token of the settings (``auth.tokens``, ``--token``, ``SCIMBRIDGE_TOKEN``),
  valid on every instance for reads and writes;
- a static token credential of the instance (``scimbridge credentials create
  INSTANCE --static-token``), optionally read-only;
- an access token from ``POST /{instance}/oauth2/token``, issued for a client id
  and secret of the instance, with scope ``scim`` or ``scim.read``.

Modules: ``hashing`` (generated secrets and their SHA-256 form), ``credentials``
(creating credentials), ``scopes``, ``tokens`` (JWTs, the PyJWT boundary),
``authenticator`` (checking tokens and client secrets), ``permissions`` (what
read-only clients may do) and ``token_endpoint`` (the OAuth2 route).
"""

from __future__ import annotations

from collections.abc import Sequence

from scimbridge.auth.authenticator import Authenticator, Client
from scimbridge.auth.credentials import IssuedCredential, create_credential
from scimbridge.auth.hashing import generate_secret
from scimbridge.auth.permissions import check_permission
from scimbridge.auth.token_endpoint import token_endpoint
from scimbridge.auth.tokens import TokenIssuer
from scimbridge.settings import Settings
from scimbridge.store import Store

SIGNING_KEY_NAME = "access-token-signing-key"

__all__ = [
    "Authenticator",
    "Client",
    "IssuedCredential",
    "TokenIssuer",
    "check_permission",
    "create_credential",
    "open_authenticator",
    "token_endpoint",
]


async def open_authenticator(
    settings: Settings, store: Store, settings_tokens: Sequence[str]
) -> Authenticator:
    """Build the authenticator of a gateway from its settings and store.

    The signing key is ``auth.signing_key`` when set. Otherwise it is a key
    generated once and kept in the store, so processes sharing one store
    verify each other's tokens.
    """
    if settings.auth.signing_key is not None:
        key = settings.auth.signing_key.get_secret_value()
    else:
        key = await store.credentials.gateway_key(SIGNING_KEY_NAME, generate_secret)
    issuer = TokenIssuer(
        key.encode("utf-8"),
        issuer=settings.public_base(),
        lifetime_seconds=settings.auth.token_lifetime_seconds,
    )
    return Authenticator(
        settings_tokens,
        credentials=store.credentials,
        issuer=issuer,
        cache_seconds=settings.auth.credential_cache_seconds,
    )
