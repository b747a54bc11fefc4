"""Error bodies of the Coupa Core API and of its token endpoint.

- Validation (400) and unknown id (404): ``{"errors": {"user": ["Login can't be blank"]}}``,
  keyed by the resource, as Coupa's JSON samples show.
- Authentication (401), missing scope (403) and rate limit (429): ``{"errors": ["..."]}``.
- Token endpoint: RFC 6749 section 5.2 bodies, ``{"error": "...", "error_description": "..."}``.
"""

from __future__ import annotations

from starlette.responses import JSONResponse


class CoupaError(Exception):
    """An API error sent as ``{"errors": {resource: messages}}``."""

    def __init__(self, status: int, resource: str, messages: list[str]) -> None:
        super().__init__(f"{status} {resource}: {'; '.join(messages)}")
        self.status = status
        self.resource = resource
        self.messages = messages

    def response(self) -> JSONResponse:
        """Render the error as its JSON response."""
        return JSONResponse({"errors": {self.resource: self.messages}}, status_code=self.status)


class AccessError(Exception):
    """An authentication or authorization failure, sent as ``{"errors": [message]}``."""

    def __init__(self, status: int, message: str, reason: str | None = None) -> None:
        super().__init__(f"{status} {message}: {reason or ''}")
        self.status = status
        self.message = message
        self.reason = reason

    def response(self) -> JSONResponse:
        """Render the error; a 401 carries its reason in ``WWW-Authenticate``."""
        headers = {}
        if self.status == 401:
            reason = (self.reason or "").replace('"', "'")
            headers["WWW-Authenticate"] = (
                f'Bearer error="invalid_token", error_description="{reason}"'
            )
        return JSONResponse({"errors": [self.message]}, status_code=self.status, headers=headers)


class OAuthError(Exception):
    """A token endpoint error, sent as an RFC 6749 error body with status 400."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    def response(self) -> JSONResponse:
        """Render the error as its JSON response."""
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=400, headers={"Cache-Control": "no-store"})


def invalid(resource: str, *messages: str) -> CoupaError:
    """Return a 400 validation error."""
    return CoupaError(400, resource, list(messages))


def not_found(resource: str, model: str, record_id: object) -> CoupaError:
    """Return the 404 error for an unknown id, worded as Coupa's Rails back end words it."""
    return CoupaError(404, resource, [f"Couldn't find {model} with 'id'={record_id}"])


def unauthorized(reason: str) -> AccessError:
    """Return the 401 error for a missing, unknown or expired credential."""
    return AccessError(401, "Unauthorized", reason)


def rate_limited(retry_after: int) -> JSONResponse:
    """Build the 429 response; the rate-limit middleware adds ``Retry-After``."""
    message = f"Too many requests. Retry after {retry_after} s."
    return JSONResponse({"errors": [message]}, status_code=429)
