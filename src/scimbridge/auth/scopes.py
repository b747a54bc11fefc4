"""OAuth2 scopes of SCIM access: ``scim`` reads and writes, ``scim.read`` only reads."""

from __future__ import annotations

SCOPE_READ_WRITE = "scim"
SCOPE_READ = "scim.read"
KNOWN_SCOPES = (SCOPE_READ_WRITE, SCOPE_READ)


class ScopeError(ValueError):
    """A requested scope is unknown or exceeds what the credential may get."""


def grant_scope(requested: str | None, *, read_only: bool) -> str:
    """Return the scope to grant for a token request's ``scope`` parameter.

    Without a requested scope the credential gets all it may have. Raises
    ScopeError for an unknown scope, and for ``scim`` asked by a read-only credential.
    """
    allowed = SCOPE_READ if read_only else SCOPE_READ_WRITE
    if not requested:
        return allowed

    names = set(requested.split())
    unknown = sorted(names - set(KNOWN_SCOPES))
    if unknown:
        raise ScopeError(
            f"unknown scope {' '.join(unknown)!r}: request {SCOPE_READ_WRITE!r} "
            f"(read and write) or {SCOPE_READ!r} (read only)"
        )
    if SCOPE_READ_WRITE in names and read_only:
        raise ScopeError(
            f"scope {SCOPE_READ_WRITE!r} is not available to a read-only credential: "
            f"request {SCOPE_READ!r}, or create a credential without --read-only"
        )
    return SCOPE_READ_WRITE if SCOPE_READ_WRITE in names else SCOPE_READ
