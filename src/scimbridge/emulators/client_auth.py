"""Credentials that OAuth clients send to the emulators' token endpoints and APIs.

Both emulators read the same three things: the client id and secret of an HTTP
Basic header, the token of a ``Bearer`` header and the
``application/x-www-form-urlencoded`` body of a token request. The error each
emulator sends for a malformed value stays in that emulator.
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
FORM_REQUIRED_MESSAGE = f"The body must be {FORM_CONTENT_TYPE}."


def decode_basic(authorization: str | None) -> tuple[str, str] | None:
    """Return the client id and secret of an HTTP Basic header, or None.

    None means there is no header, the scheme is not ``Basic`` or the value is
    not valid base64 of ``id:secret``. Both parts are percent-decoded.
    """
    if authorization is None:
        return None
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None

    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, separator, secret = decoded.partition(":")
    if not separator:
        return None
    return unquote(client_id), unquote(secret)


def bearer_value(authorization: str | None) -> str | None:
    """Return the token of a ``Bearer`` header in any letter case, or None."""
    if authorization is None:
        return None
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def read_form(request: Request) -> dict[str, str] | None:
    """Parse an ``application/x-www-form-urlencoded`` body, or return None for another type.

    The first value of a repeated name wins. The standard library parses the
    body, so the emulators need no multipart parser.
    """
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_CONTENT_TYPE:
        return None

    body = (await request.body()).decode("utf-8", errors="replace")
    fields: dict[str, str] = {}
    for name, value in parse_qsl(body, keep_blank_values=True):
        fields.setdefault(name, value)
    return fields
