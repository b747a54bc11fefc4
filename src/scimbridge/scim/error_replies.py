"""SCIM Error replies for the gateway's own exceptions (RFC 7644 §3.12).

A failed target call or store access becomes the same status, ``scimType`` and
detail whether it ends a whole request or one operation of a ``/Bulk`` request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import structlog

from scimbridge.errors import (
    ScimbridgeError,
    ScimError,
    StoreError,
    TargetAuthError,
    TargetConflict,
    TargetError,
    TargetNotFound,
    TargetRejected,
    TargetThrottled,
    TargetTimeout,
)
from scimbridge.scim.responses import ScimResponse, error_body

log = structlog.get_logger("scimbridge.request")


@dataclass(frozen=True)
class ErrorReply:
    """The status, detail, ``scimType`` and extra headers of one SCIM Error."""

    status: int
    detail: str
    scim_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.detail, self.scim_type)

    def response(self) -> ScimResponse:
        return ScimResponse(self.body(), status_code=self.status, headers=self.headers or None)


def error_reply(exc: ScimbridgeError) -> ErrorReply:
    """Translate a SCIM, target or store error into the SCIM Error a client receives.

    Raises ``exc`` again for any other error, such as a ``ConfigurationError``,
    which no request should cause.
    """
    if isinstance(exc, ScimError):
        return ErrorReply(exc.status, exc.detail, exc.scim_type)
    if isinstance(exc, TargetError):
        return target_error_reply(exc)
    if isinstance(exc, StoreError):
        log.error("store_failed", error=str(exc))
        return ErrorReply(503, "the gateway store is unavailable; retry later")
    raise exc


def target_error_reply(exc: TargetError) -> ErrorReply:
    """Translate a failed target call into a SCIM Error, and log it."""
    log.warning("target_failed", error=exc.message, status=exc.status, code=exc.code)
    if isinstance(exc, TargetThrottled):
        retry_after = str(max(1, round(exc.retry_after or 1)))
        return ErrorReply(
            429,
            f"the target is throttling requests; retry after {retry_after} s",
            headers={"Retry-After": retry_after},
        )
    if isinstance(exc, TargetNotFound):
        return ErrorReply(404, f"not found on the target: {exc.message}")
    if isinstance(exc, TargetConflict):
        return ErrorReply(409, f"the target reports a conflict: {exc.message}", "uniqueness")
    if isinstance(exc, TargetRejected):
        return ErrorReply(400, f"the target rejected the request: {exc.message}", "invalidValue")
    if isinstance(exc, TargetAuthError) and exc.status == 403:
        return ErrorReply(
            502,
            f"the target refused the gateway's call: {exc.message}; grant the instance's "
            "credentials the permission or scope it names",
        )
    if isinstance(exc, TargetAuthError):
        return ErrorReply(
            502,
            "the target rejected the gateway's credentials; check the instance's "
            "client id, secret and grant settings",
        )
    if isinstance(exc, TargetTimeout):
        return ErrorReply(504, f"{exc.message}; retry later")
    return ErrorReply(502, f"the target failed: {exc.message}")
