"""Strict parsing of JSON request bodies (RFC 8259) for the SCIM edge.

Python's ``json`` module is lenient where a SCIM client should not be: it accepts
``NaN`` and ``Infinity``, keeps the last of duplicate member names, turns ``1e999``
into infinity, guesses UTF-16 and UTF-32 encodings, and raises ``RecursionError``
on deeply nested input. Each of those becomes a 400 ``invalidSyntax`` here, with
a detail that names the problem.
"""

from __future__ import annotations

import json
import math
from typing import Any

from scimbridge.errors import InvalidSyntax

MAX_JSON_DEPTH = 64
"""Maximum nesting of arrays and objects in a request body. A SCIM body nests about
five levels (PATCH operation, value, members, member), so 64 leaves ample room."""

UTF8_BOM = b"\xef\xbb\xbf"


class _Rejected(ValueError):
    """A body that is JSON to Python's parser but not to RFC 8259 or to the gateway."""


def parse_json_body(body: bytes) -> Any:
    """Parse a request body as UTF-8 JSON, raising InvalidSyntax with a readable detail."""
    text = _decode(body)
    try:
        value = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            object_pairs_hook=_unique_members,
        )
    except _Rejected as exc:
        raise InvalidSyntax(f"the request body is not valid JSON: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InvalidSyntax(
            f"the request body is not valid JSON: {exc.msg} at line {exc.lineno}, "
            f"column {exc.colno}"
        ) from None
    except RecursionError:
        raise InvalidSyntax(_too_deep()) from None
    except ValueError:
        # Python raises a plain ValueError for an integer of more than 4300 digits.
        raise InvalidSyntax(
            "the request body is not valid JSON: a number in it has too many digits"
        ) from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise InvalidSyntax(_too_deep())
    return value


def _decode(body: bytes) -> str:
    try:
        return body.removeprefix(UTF8_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidSyntax(
            f"the request body is not UTF-8: byte {exc.start} (0x{body[exc.start]:02x}) "
            "cannot be decoded; send JSON encoded as UTF-8"
        ) from None


def _reject_constant(name: str) -> Any:
    raise _Rejected(f"{name} is not a JSON value; send a number or null")


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _Rejected(f"the number {text[:40]} is out of range for a decimal value")
    return number


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Rejected(f"the member name {key[:100]!r} appears twice in one object")
        result[key] = value
    return result


def _depth(value: Any) -> int:
    """Return the nesting depth of arrays and objects in ``value``, without recursion."""
    deepest = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_JSON_DEPTH:
            return deepest
        pending.extend((child, level + 1) for child in children)
    return deepest


def _too_deep() -> str:
    return (
        f"the request body nests arrays and objects more than {MAX_JSON_DEPTH} levels deep; "
        "send a SCIM resource or message, which nests a few levels"
    )
