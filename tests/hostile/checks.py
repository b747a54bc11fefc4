"""Checks on the gateway's responses to hostile requests: error shape and leaked internals."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

import httpx

from tests.integration.conftest import ERROR_SCHEMA, SCIM_JSON, TOKEN

SCIM_TYPES = frozenset(
    {
        "invalidFilter",
        "tooMany",
        "uniqueness",
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
    }
)
OAUTH_ERRORS = frozenset(
    {
        "invalid_request",
        "invalid_client",
        "invalid_grant",
        "unauthorized_client",
        "unsupported_grant_type",
        "invalid_scope",
    }
)
SECRETS = (TOKEN, "sandbox-secret", "sandbox-coupa-secret", "sandbox-password", "sandbox-pat")
"""The gateway token and the targets' credentials in the test settings."""

LEAK_PATTERNS = tuple(
    re.compile(pattern)
    for pattern in (
        r"Traceback",
        r'File "',
        r"/work/|/home/|/tmp/|/usr/|site-packages",
        r"\w\.py\b",
        r"\b[A-Z][A-Za-z]*(Error|Exception)\b",
        r"<[\w.]+ object at 0x",
        r"\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b",
        r"(?i)sqlite|sqlalchemy|psycopg|asyncpg|httpx|httpcore|starlette|pydantic",
        r"\bscimbridge\.\w",
    )
)


def request_text(method: str, path: str, query: str, body: bytes | None) -> str:
    """Return what the client sent, decoded, so text the gateway echoes back is not a leak."""
    sent = f"{method} {path}?{query} {(body or b'').decode('utf-8', 'replace')}"
    return f"{sent} {unquote(sent)} {unquote(sent.replace('+', ' '))}"


def leaks(text: str, sent: str) -> list[str]:
    """Return the internals or secrets in ``text`` that the client did not send itself."""
    found = [secret for secret in SECRETS if secret in text]
    for pattern in LEAK_PATTERNS:
        for match in pattern.finditer(text):
            if match.group(0) not in sent:
                found.append(match.group(0))
    return found


def scim_error_problems(response: httpx.Response, sent: str) -> list[str]:
    """Return what is wrong with a SCIM Error response (RFC 7644 §3.12), or nothing."""
    if not response.headers.get("content-type", "").startswith(SCIM_JSON):
        return [f"content-type {response.headers.get('content-type')!r}, not {SCIM_JSON}"]
    body = _json(response)
    if not isinstance(body, dict):
        return [f"body is not a JSON object: {response.text[:200]!r}"]
    problems = []
    if body.get("schemas") != [ERROR_SCHEMA]:
        problems.append(f"schemas {body.get('schemas')!r}")
    if body.get("status") != str(response.status_code):
        problems.append(f"status {body.get('status')!r} for HTTP {response.status_code}")
    if not isinstance(body.get("detail"), str) or not body["detail"]:
        problems.append("detail missing or empty")
    if "scimType" in body and body["scimType"] not in SCIM_TYPES:
        problems.append(f"scimType {body['scimType']!r} is not one RFC 7644 defines")
    problems.extend(f"leaks {leak!r}" for leak in leaks(json.dumps(body, ensure_ascii=False), sent))
    problems.extend(f"leaks {leak!r}" for leak in leaks(str(body.get("detail", "")), sent))
    return problems


def oauth_error_problems(response: httpx.Response, sent: str) -> list[str]:
    """Return what is wrong with an RFC 6749 §5.2 error response, or nothing."""
    body = _json(response)
    if not isinstance(body, dict):
        return [f"body is not a JSON object: {response.text[:200]!r}"]
    if "error" not in body:
        # Without a token route, the catch-all route returns a SCIM Error.
        return scim_error_problems(response, sent)
    problems = []
    if not response.headers.get("content-type", "").startswith("application/json"):
        problems.append(f"content-type {response.headers.get('content-type')!r}")
    if body["error"] not in OAUTH_ERRORS:
        problems.append(f"error {body['error']!r} is not one RFC 6749 §5.2 defines")
    description = body.get("error_description")
    if description is not None and not isinstance(description, str):
        problems.append("error_description is not a string")
    problems.extend(f"leaks {leak!r}" for leak in leaks(json.dumps(body, ensure_ascii=False), sent))
    return problems


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
