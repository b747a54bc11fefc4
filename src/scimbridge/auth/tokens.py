"""Access tokens of the token endpoint: HS256-signed JWTs (RFC 7519), issued and verified.

This module is the boundary to PyJWT: its errors become
:class:`scimbridge.errors.Unauthorized` here, with the reason and the fix.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from scimbridge.auth.scopes import KNOWN_SCOPES
from scimbridge.errors import Unauthorized

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["iss", "aud", "sub", "iat", "exp", "jti", "scope"]


@dataclass(frozen=True, slots=True)
class IssuedToken:
    access_token: str
    expires_in: int
    scope: str


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The claims of a verified access token that access decisions use."""

    credential_id: str
    scope: str
    token_id: str


class TokenIssuer:
    """Issue and verify the access tokens of every instance of one gateway.

    ``issuer`` is the gateway's public base URL (the ``iss`` claim) and the
    audience (``aud``) is the instance name, so a token works on one instance only.
    """

    def __init__(self, key: bytes, *, issuer: str, lifetime_seconds: int) -> None:
        self._key = key
        self.issuer = issuer
        self.lifetime_seconds = lifetime_seconds

    def issue(
        self, instance: str, credential_id: str, scope: str, *, now: float | None = None
    ) -> IssuedToken:
        issued_at = int(time.time() if now is None else now)
        claims = {
            "iss": self.issuer,
            "aud": instance,
            "sub": credential_id,
            "iat": issued_at,
            "exp": issued_at + self.lifetime_seconds,
            "jti": uuid.uuid4().hex,
            "scope": scope,
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM)
        return IssuedToken(token, self.lifetime_seconds, scope)

    def verify(self, token: str, instance: str) -> TokenClaims:
        """Check the signature, algorithm, issuer, audience, lifetime and claims of ``token``.

        Raises Unauthorized naming the failed check.
        """
        claims = self._decode(token, instance)
        credential_id = claims["sub"]
        scope = claims["scope"]
        token_id = claims["jti"]
        if not isinstance(credential_id, str) or not isinstance(token_id, str):
            raise Unauthorized("the access token's sub and jti claims must be strings")
        if scope not in KNOWN_SCOPES:
            raise Unauthorized(
                f"the access token's scope {scope!r} is not one of {', '.join(KNOWN_SCOPES)}"
            )
        return TokenClaims(credential_id, scope, token_id)

    def _decode(self, token: str, instance: str) -> dict[str, Any]:
        renew = f"request a new token from POST /{instance}/oauth2/token"
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=instance,
                issuer=self.issuer,
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized(f"the access token has expired; {renew}") from None
        except jwt.InvalidAudienceError:
            audience = _unverified_claim(token, "aud")
            raise Unauthorized(
                f"the access token was issued for instance {audience!r}, not {instance!r}; "
                f"{renew} with a credential of instance {instance!r}"
            ) from None
        except jwt.InvalidIssuerError:
            raise Unauthorized(
                f"the access token was not issued by this gateway ({self.issuer}); {renew}"
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise Unauthorized(f"the access token has no {exc.claim!r} claim; {renew}") from None
        except jwt.InvalidAlgorithmError:
            raise Unauthorized(
                f"the access token is not signed with {ALGORITHM}, the only algorithm "
                f"this gateway accepts; {renew}"
            ) from None
        except jwt.InvalidSignatureError:
            raise Unauthorized(
                f"the access token's signature is invalid: it was changed or signed with "
                f"another key; {renew}"
            ) from None
        except jwt.ImmatureSignatureError:
            raise Unauthorized(
                f"the access token is not valid yet (iat in the future); check the clocks, "
                f"then {renew}"
            ) from None
        except jwt.DecodeError:
            raise Unauthorized(f"the bearer token is not a well-formed JWT; {renew}") from None
        except jwt.InvalidTokenError as exc:
            raise Unauthorized(f"the access token is invalid ({exc}); {renew}") from None
        return claims


def _unverified_claim(token: str, name: str) -> Any:
    """Read a claim without checks, for error messages of a token already found invalid."""
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError:
        return None
    return claims.get(name) if isinstance(claims, dict) else None
