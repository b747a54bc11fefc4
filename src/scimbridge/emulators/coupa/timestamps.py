"""Timestamps: stored in UTC, sent in the instance time zone, parsed from queries."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

# A "+" left unencoded in a URL query decodes to a space, so "...T10:00:00 01:00"
# is read as the offset +01:00.
_DECODED_PLUS = re.compile(r" (\d{2}:?\d{2})$")


def now_utc() -> str:
    """Return the current time as the ISO-8601 UTC string that records store."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def creation_stamps(actor_id: int | None) -> dict[str, Any]:
    """Return the creation and update times and authors of a record created now by ``actor_id``."""
    now = now_utc()
    return {
        "created-at": now,
        "updated-at": now,
        "created-by-id": actor_id,
        "updated-by-id": actor_id,
    }


def to_zone(stored: str | None, zone: ZoneInfo) -> str | None:
    """Convert a stored UTC string to whole seconds in ``zone``, e.g. ``...T14:02:11-08:00``."""
    if stored is None:
        return None
    return datetime.fromisoformat(stored).astimezone(zone).isoformat(timespec="seconds")


def parse_instant(text: str) -> datetime:
    """Parse a timestamp from a query or a record into an aware datetime.

    Accepts ``Z``, numeric offsets and date-only values. A value without an offset,
    a bare date included, is read as UTC. Raises ValueError for anything else.
    """
    value = _DECODED_PLUS.sub(r"+\1", text.strip())
    if len(value) == 10:
        day = date.fromisoformat(value)
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
