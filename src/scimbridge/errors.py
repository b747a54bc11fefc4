"""The exceptions scimbridge raises, in one tree.

::

    ScimbridgeError
    ├── ScimError                  returned to the SCIM client as a SCIM Error body
    │   ├── InvalidFilter          400 invalidFilter
    │   ├── InvalidSyntax          400 invalidSyntax
    │   ├── InvalidPath            400 invalidPath
    │   ├── NoTarget               400 noTarget
    │   ├── InvalidValue           400 invalidValue
    │   ├── Mutability             400 mutability
    │   ├── TooMany                400 tooMany
    │   ├── InvalidVersion         400 invalidVers
    │   ├── Unauthorized           401
    │   ├── Forbidden              403
    │   ├── NotFound               404
    │   ├── MethodNotAllowed       405
    │   ├── Uniqueness             409 uniqueness
    │   ├── PreconditionFailed     412
    │   ├── PayloadTooLarge        413
    │   ├── UnsupportedMediaType   415
    │   └── NotImplementedByTarget 501
    ├── TargetError                a target API call failed
    │   ├── TargetAuthError        the target rejected our credentials
    │   ├── TargetThrottled        the target answered 429
    │   ├── TargetNotFound         the target has no such object
    │   ├── TargetConflict         the target reports a duplicate
    │   ├── TargetRejected         the target refused the values (400-class)
    │   └── TargetUnavailable      network failure, time-out or 5xx
    │       └── TargetTimeout      no response within the time-out
    ├── ClientAuthenticationFailed a token request's client id or secret is wrong (auth)
    ├── TokenRequestError          an OAuth2 token request is malformed (auth)
    ├── ConfigurationError         the settings file or environment is invalid
    └── StoreError                 the gateway store failed

The token endpoint returns the two OAuth2 errors as RFC 6749 §5.2 error
bodies, not as SCIM errors, so they are defined in ``scimbridge.auth``.

Foreign exceptions (httpx, SQLAlchemy, pydantic) are translated into this tree at
the module that calls the foreign library: the target clients, the store and the
SCIM edge. Everything below those modules only sees these classes.
"""

from __future__ import annotations


class ScimbridgeError(Exception):
    """Base class of every exception scimbridge raises on purpose."""


class ScimError(ScimbridgeError):
    """An error returned to the SCIM client as an RFC 7644 §3.12 Error response."""

    status: int = 400
    scim_type: str | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidFilter(ScimError):
    scim_type = "invalidFilter"


class InvalidSyntax(ScimError):
    scim_type = "invalidSyntax"


class InvalidPath(ScimError):
    scim_type = "invalidPath"


class NoTarget(ScimError):
    scim_type = "noTarget"


class InvalidValue(ScimError):
    scim_type = "invalidValue"


class Mutability(ScimError):
    scim_type = "mutability"


class TooMany(ScimError):
    scim_type = "tooMany"


class InvalidVersion(ScimError):
    scim_type = "invalidVers"


class Unauthorized(ScimError):
    status = 401


class Forbidden(ScimError):
    status = 403


class NotFound(ScimError):
    status = 404


class MethodNotAllowed(ScimError):
    status = 405


class Uniqueness(ScimError):
    status = 409
    scim_type = "uniqueness"


class PreconditionFailed(ScimError):
    status = 412


class PayloadTooLarge(ScimError):
    status = 413


class UnsupportedMediaType(ScimError):
    status = 415


class NotImplementedByTarget(ScimError):
    status = 501


class TargetError(ScimbridgeError):
    """A call to the target API failed.

    ``status`` is the HTTP status the target returned, or ``None`` when no
    response arrived. ``code`` is the target's own error code where it sends one.
    """

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class TargetAuthError(TargetError):
    """The target rejected the gateway's credentials, even after one token refresh."""


class TargetThrottled(TargetError):
    """The target returned 429. ``retry_after`` is in seconds when the target sent it."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = 429,
        code: str | None = None,
    ):
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class TargetNotFound(TargetError):
    pass


class TargetConflict(TargetError):
    pass


class TargetRejected(TargetError):
    pass


class TargetUnavailable(TargetError):
    pass


class TargetTimeout(TargetUnavailable):
    pass


class ConfigurationError(ScimbridgeError):
    """The settings file, an environment override or a command-line option is invalid."""


class StoreError(ScimbridgeError):
    """The gateway store (SQL database or Redis) failed."""
