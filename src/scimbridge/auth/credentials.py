"""Creating SCIM client credentials: a client id and secret, or a static bearer token.

Ids and static tokens have fixed forms, so a token's credential is found by id
without a search over hashes, and secret scanners can recognise the tokens::

    client-<16 hex digits>                        client id of the token endpoint
    token-<16 hex digits>                         id of a static token credential
    sbt_<the same 16 hex digits>_<secret>         the static bearer token itself
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime

from scimbridge.auth.hashing import generate_secret, hash_secret
from scimbridge.store.credentials import CredentialStore, StoredCredential

CLIENT_ID_PREFIX = "client-"
STATIC_ID_PREFIX = "token-"
STATIC_TOKEN_PREFIX = "sbt_"
ID_HEX_DIGITS = 16
MAX_LABEL_LENGTH = 255


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A credential just created, with the secret that is shown this once and never stored."""

    credential: StoredCredential
    secret: str
    """The client secret, or the whole bearer token of a static token credential."""


async def create_credential(
    credentials: CredentialStore,
    instance: str,
    *,
    static_token: bool = False,
    read_only: bool = False,
    label: str = "",
) -> IssuedCredential:
    """Generate a credential of ``instance``, store its hash and return it with the secret.

    Raises ValueError for a label longer than ``MAX_LABEL_LENGTH`` characters.
    """
    if len(label) > MAX_LABEL_LENGTH:
        raise ValueError(
            f"the label is {len(label)} characters long: the maximum is {MAX_LABEL_LENGTH}"
        )

    digits = secrets.token_hex(ID_HEX_DIGITS // 2)
    secret = generate_secret()
    if static_token:
        credential_id = STATIC_ID_PREFIX + digits
        secret = f"{STATIC_TOKEN_PREFIX}{digits}_{secret}"
    else:
        credential_id = CLIENT_ID_PREFIX + digits

    credential = StoredCredential(
        id=credential_id,
        instance=instance,
        kind="static_token" if static_token else "client_secret",
        secret_hash=hash_secret(secret),
        read_only=read_only,
        label=label,
        created_at=datetime.now(UTC),
    )
    await credentials.add(credential)
    return IssuedCredential(credential, secret)


def static_token_id(token: str) -> str | None:
    """Return the credential id a static bearer token names, or None if it has not that form."""
    head = len(STATIC_TOKEN_PREFIX)
    digits = token[head : head + ID_HEX_DIGITS]
    separator = token[head + ID_HEX_DIGITS : head + ID_HEX_DIGITS + 1]
    if not token.startswith(STATIC_TOKEN_PREFIX) or separator != "_":
        return None
    if len(digits) != ID_HEX_DIGITS or not set(digits) <= set(string.hexdigits.lower()):
        return None
    return STATIC_ID_PREFIX + digits
