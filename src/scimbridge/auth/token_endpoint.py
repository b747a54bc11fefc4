"""The OAuth2 token endpoint of each instance: ``POST /{instance}/oauth2/token``.

It serves the client credentials grant (RFC 6749 section 4.4). The client
authenticates with HTTP Basic or with ``client_id`` and ``client_secret`` form
fields (section 2.3.1), and errors are the JSON objects of section 5.2.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from scimbridge.auth.authenticator import Authenticator, ClientAuthenticationFailed
from scimbridge.auth.scopes import ScopeError, grant_scope
from scimbridge.errors import ScimbridgeError, StoreError

log = structlog.get_logger("scimbridge.auth")

GRANT_TYPE = "client_credentials"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_BODY_BYTES = 16_384
MAX_FIELDS = 20
MAX_SHOWN_ID_LENGTH = 100
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenRequestError(ScimbridgeError):
    """A token request failed; sent as an RFC 6749 section 5.2 error object."""

    def __init__(
        self,
        error: str,
        description: str,
        *,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}

    def response(self) -> Response:
        body = {"error": self.error, "error_description": self.description}
        return JSONResponse(body, status_code=self.status, headers={**NO_STORE, **self.headers})


async def token_endpoint(request: Request) -> Response:
    """Issue an access token for the client credentials of ``request``'s instance."""
    instance = request.path_params["instance"]
    state: dict[str, Any] = request.scope.setdefault("state", {})
    state["instance"] = instance
    try:
        return await _issue(request, instance, state)
    except TokenRequestError as exc:
        return exc.response()
    except StoreError as exc:
        log.error("store_failed", error=str(exc))
        failure = TokenRequestError(
            "temporarily_unavailable", "the gateway store is unavailable; retry later", status=503
        )
        return failure.response()


async def _issue(request: Request, instance: str, state: dict[str, Any]) -> Response:
    if request.method != "POST":
        raise TokenRequestError(
            "invalid_request",
            f"{request.method} is not allowed on the token endpoint: send POST",
            status=405,
            headers={"Allow": "POST"},
        )
    if request.scope.get("query_string"):
        # The request log writes the query string, which may carry a secret here.
        request.scope["query_string"] = b""
        raise TokenRequestError(
            "invalid_request",
            "the token endpoint takes no URL query parameters: send grant_type, scope and "
            f"the client credentials in an {FORM_MEDIA_TYPE} body",
        )

    gateway = request.app.state.gateway
    authenticator: Authenticator = gateway.authenticator
    if instance not in gateway.endpoints or authenticator.issuer is None:
        raise TokenRequestError(
            "invalid_request",
            f"no connector instance named {instance!r} issues tokens at this gateway; "
            "check the token URL",
            status=404,
        )

    form = await _read_form(request)
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise TokenRequestError(
            "invalid_request", f"grant_type is missing: send grant_type={GRANT_TYPE}"
        )
    client_id, client_secret = _client_credentials(request, form)
    # Cut before logging and echoing, because the value comes from the client.
    shown_id = client_id[:MAX_SHOWN_ID_LENGTH]
    try:
        credential = await authenticator.authenticate_client(instance, client_id, client_secret)
    except ClientAuthenticationFailed as exc:
        log.warning(
            "client_authentication_failed", instance=instance, client=shown_id, reason=exc.reason
        )
        raise _invalid_client(
            f"client authentication failed for client_id {shown_id!r}: it is unknown, "
            f"revoked, of another instance, or the secret is wrong; create a credential "
            f"with `scimbridge credentials create {instance}`"
        ) from None
    state["client_id"] = credential.id

    if grant_type != GRANT_TYPE:
        raise TokenRequestError(
            "unsupported_grant_type",
            f"grant_type {grant_type!r} is not supported: send grant_type={GRANT_TYPE}",
        )
    try:
        scope = grant_scope(form.get("scope"), read_only=credential.read_only)
    except ScopeError as exc:
        raise TokenRequestError("invalid_scope", str(exc)) from None

    issued = authenticator.issuer.issue(instance, credential.id, scope)
    body = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
    }
    return JSONResponse(body, headers=NO_STORE)


async def _read_form(request: Request) -> dict[str, str]:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        raise TokenRequestError(
            "invalid_request",
            f"the body must be {FORM_MEDIA_TYPE}, not {media_type or 'missing'!r}",
        )

    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TokenRequestError(
                "invalid_request", f"the body is larger than {MAX_BODY_BYTES} bytes", status=413
            )
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise TokenRequestError(
            "invalid_request",
            f"the body is not a UTF-8 form of at most {MAX_FIELDS} parameters",
        ) from None

    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise TokenRequestError(
                "invalid_request", f"parameter {name!r} is repeated: send it once"
            )
        # RFC 6749 section 3.1: a parameter sent without a value counts as omitted.
        if value:
            form[name] = value
    return form


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """Return (client_id, client_secret) from HTTP Basic or from the form, not both."""
    basic = _basic_credentials(request.headers.get("authorization", ""))
    if basic is not None:
        if "client_secret" in form:
            raise TokenRequestError(
                "invalid_request",
                "the client authenticated twice (HTTP Basic and client_secret): use one method",
            )
        if form.get("client_id", basic[0]) != basic[0]:
            raise TokenRequestError(
                "invalid_request", "the client_id parameter differs from the HTTP Basic user"
            )
        return basic

    client_id = form.get("client_id")
    client_secret = form.get("client_secret")
    if client_id is None or client_secret is None:
        raise _invalid_client(
            "client authentication is missing: send the client id and secret with HTTP Basic, "
            "or as client_id and client_secret form parameters"
        )
    return client_id, client_secret


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _invalid_client(
            "the HTTP Basic credentials are not base64 of UTF-8 'client_id:client_secret'"
        ) from None
    client_id, colon, client_secret = decoded.partition(":")
    if not colon or not client_id or not client_secret:
        raise _invalid_client("the HTTP Basic credentials must be 'client_id:client_secret'")
    # RFC 6749 section 2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote_plus(client_id), unquote_plus(client_secret)


def _invalid_client(description: str) -> TokenRequestError:
    return TokenRequestError(
        "invalid_client",
        description,
        status=401,
        headers={"WWW-Authenticate": 'Basic realm="scimbridge"'},
    )
