"""Error responses in the three shapes the GoTo services use.

- Admin API errors: ``{"incidentId": "...", "errors": [{"code": "...", "value": "..."}]}``.
  The codes ``user.not.found``, ``user.name.conflict`` (duplicate email),
  ``group.not.found``, ``group.name.required``, ``group.name.conflict`` and
  ``not.authenticated`` are the ones seen from the real service. The other codes
  (validation, paging, filters, licenses) are the emulator's own and follow the
  same dotted style.
- Unrouted paths at the API edge: ``{"errorCode": "NOT_FOUND", "message": "..."}``.
- The token endpoint: RFC 6749 section 5.2 bodies such as ``{"error": "invalid_client"}``.
"""

from __future__ import annotations

import uuid

from starlette.responses import JSONResponse


class ApiError(Exception):
    """An Admin API error, sent as the ``incidentId``/``errors`` envelope."""

    def __init__(self, status: int, code: str, value: str) -> None:
        super().__init__(f"{status} {code}: {value}")
        self.status = status
        self.errors = [(code, value)]

    @classmethod
    def many(cls, status: int, errors: list[tuple[str, str]]) -> ApiError:
        """Build one error that carries several ``(code, value)`` entries."""
        error = cls(status, errors[0][0], errors[0][1])
        error.errors = list(errors)
        return error

    def response(self) -> JSONResponse:
        """Render the error as its JSON response."""
        return envelope_response(self.status, self.errors)


class OAuthError(Exception):
    """A token endpoint error, sent as an RFC 6749 error body."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def response(self) -> JSONResponse:
        """Render the error; ``invalid_client`` also gets a ``WWW-Authenticate`` challenge."""
        headers = {"Cache-Control": "no-store"}
        if self.error == "invalid_client":
            headers["WWW-Authenticate"] = 'Basic realm="oauth"'

        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers=headers)


def envelope_response(status: int, errors: list[tuple[str, str]]) -> JSONResponse:
    """Build an Admin API error response with a fresh ``incidentId``."""
    body = {
        "incidentId": str(uuid.uuid4()),
        "errors": [{"code": code, "value": value} for code, value in errors],
    }
    return JSONResponse(body, status_code=status)


def edge_response(status: int, error_code: str, message: str) -> JSONResponse:
    """Build an API-edge error response such as the one for an unrouted path."""
    return JSONResponse({"errorCode": error_code, "message": message}, status_code=status)


def not_authenticated(value: str) -> ApiError:
    """Return the 401 error for a missing, unknown or expired bearer token."""
    return ApiError(401, "not.authenticated", value)


def bad_request(code: str, value: str) -> ApiError:
    """Return a 400 validation error."""
    return ApiError(400, code, value)
