"""SCIM responses: ``application/scim+json`` bodies, errors and ETags."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from scimbridge.errors import ScimError

SCIM_MEDIA_TYPE = "application/scim+json"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class ScimResponse(Response):
    """A JSON body sent as ``application/scim+json``."""

    media_type = SCIM_MEDIA_TYPE

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(content, status_code=status_code, headers=headers)

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def error_body(status: int, detail: str, scim_type: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body


def error_response(
    status: int,
    detail: str,
    scim_type: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> ScimResponse:
    return ScimResponse(error_body(status, detail, scim_type), status_code=status, headers=headers)


def scim_error_response(exc: ScimError) -> ScimResponse:
    return error_response(exc.status, exc.detail, exc.scim_type)


def http_exception_response(request: Request, exc: Exception) -> Response:
    """Return a SCIM Error for a Starlette ``HTTPException``, such as 405 for an unrouted method."""
    if not isinstance(exc, HTTPException):
        return internal_error_response(request, exc)
    if exc.status_code == 405:
        # The SCIM routes take every standard method and reject the wrong ones
        # themselves, so only a non-standard method reaches this point.
        detail = (
            f"method {request.method[:40]!r} is not supported; SCIM uses GET, POST, PUT, "
            "PATCH and DELETE"
        )
        return error_response(405, detail, headers={"Allow": "GET, POST, PUT, PATCH, DELETE"})
    detail = f"{request.method[:40]} {request.url.path[:200]} failed with HTTP {exc.status_code}"
    return error_response(exc.status_code, detail, headers=exc.headers)


def internal_error_response(request: Request, exc: Exception) -> Response:
    """Return a SCIM 500 for an unexpected exception, naming the request id but not the error.

    The request log writes the traceback under the same request id.
    """
    request_id = request.scope.get("state", {}).get("request_id", "-")
    return error_response(
        500, f"internal error; the gateway log has the details under request id {request_id}"
    )


def content_version(resource: Mapping[str, Any]) -> str:
    """Return a weak ETag for a resource, computed from its content without ``meta``.

    Targets keep no version, so the version is the content itself: any change,
    made through the gateway or not, gives a new ETag.
    """
    content = {key: value for key, value in resource.items() if key != "meta"}
    digest = hashlib.sha256(
        json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode("utf-8")
    ).hexdigest()
    return f'W/"{digest[:20]}"'


def etag_matches(header: str | None, version: str) -> bool:
    """Tell whether an If-Match / If-None-Match header names ``version`` (or is ``*``)."""
    if header is None:
        return False
    candidates = [part.strip() for part in header.split(",")]
    bare = version.removeprefix("W/")
    return any(
        candidate == "*" or candidate == version or candidate.removeprefix("W/") == bare
        for candidate in candidates
    )
