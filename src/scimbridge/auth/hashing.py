"""Generated secrets and their stored form.

Every secret the gateway accepts from a SCIM client is one it generated:
32 random bytes (256 bits) from :func:`secrets.token_urlsafe`. Guessing such a
secret is infeasible, so a single fast SHA-256 hash protects the stored copy
as well as a slow password hash would. Slow hashes such as bcrypt help only
against guessing low-entropy, human-chosen passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_BYTES = 32


def generate_secret() -> str:
    """Return a new URL-safe secret of ``SECRET_BYTES`` random bytes."""
    return secrets.token_urlsafe(SECRET_BYTES)


def hash_secret(secret: str) -> str:
    """Return the hex SHA-256 digest under which ``secret`` is stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Compare ``secret`` with a stored hash in constant time."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)
