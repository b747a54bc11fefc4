"""Request bodies: key spelling, value coercion and the collection of validation messages."""

from __future__ import annotations

import json
import re
from typing import Any

from scimbridge.emulators.coupa.errors import CoupaError, invalid

INVALID: Any = object()
"""Returned by a coercion that recorded an error, so the caller skips the value."""

_FREE_FORM_KEYS = frozenset({"custom-fields"})
_WHOLE_NUMBER = re.compile(r"^-?\d+$")


def parse_body(raw: bytes, resource: str) -> dict[str, Any]:
    """Parse a JSON object body and hyphenate its keys, except inside ``custom-fields``."""
    try:
        body = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise invalid(resource, "The request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise invalid(resource, "The request body must be a JSON object")
    normalized = _hyphenate_keys(body)
    assert isinstance(normalized, dict)
    return normalized


def _hyphenate_keys(value: Any) -> Any:
    if isinstance(value, list):
        return [_hyphenate_keys(item) for item in value]
    if not isinstance(value, dict):
        return value

    result: dict[str, Any] = {}
    for key, item in value.items():
        name = str(key).replace("_", "-")
        result[name] = item if name in _FREE_FORM_KEYS else _hyphenate_keys(item)
    return result


def humanize(attribute: str) -> str:
    """Return the attribute name as Coupa's messages write it: ``Employee number``."""
    words = attribute.replace("-", " ")
    return words[:1].upper() + words[1:]


class Validation:
    """Validation messages of one write, raised together as one 400 error."""

    def __init__(self, resource: str) -> None:
        self.resource = resource
        self.messages: list[str] = []
        self.failed: set[str] = set()

    def add(self, message: str, attribute: str | None = None) -> None:
        """Record one message, and the attribute it is about when there is one."""
        self.messages.append(message)
        if attribute is not None:
            self.failed.add(attribute)

    def raise_if_any(self) -> None:
        """Raise the 400 error when any message was recorded."""
        if self.messages:
            raise CoupaError(400, self.resource, list(self.messages))

    def text(self, name: str, value: Any, max_length: int = 255) -> Any:
        """Coerce a string attribute; numbers become strings, null stays null."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(f"{humanize(name)} must be a string", name)
            return INVALID

        text = str(value)
        if len(text) > max_length:
            self.add(f"{humanize(name)} is too long (maximum is {max_length} characters)", name)
            return INVALID
        return text

    def boolean(self, name: str, value: Any) -> Any:
        """Coerce a boolean attribute; the strings ``true`` and ``false`` are accepted."""
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        self.add(f"{humanize(name)} must be true or false", name)
        return INVALID

    def choice(self, name: str, value: Any, allowed: tuple[int, ...]) -> Any:
        """Coerce an integer attribute that must be one of ``allowed``."""
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and _WHOLE_NUMBER.match(value.strip()):
            number = int(value)

        if number is None or number not in allowed:
            listed = ", ".join(str(item) for item in allowed)
            self.add(f"{humanize(name)} must be one of {listed}", name)
            return INVALID
        return number

    def required(self, name: str, value: Any) -> None:
        """Record ``Name can't be blank`` when ``value`` is null or empty and not reported yet."""
        if name in self.failed:
            return
        if value is None or (isinstance(value, str) and not value.strip()):
            self.add(f"{humanize(name)} can't be blank")


def record_id(value: Any) -> int | None:
    """Return ``value`` as an id when it is an integer or a string of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
