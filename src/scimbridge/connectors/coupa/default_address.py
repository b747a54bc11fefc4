"""The user's default address, which Coupa takes as a shared address or a new one.

A ``location-code`` alone names a shared address, such as a ship-to location.
Street, city, postal code and country describe the user's own address, which
Coupa creates. A write sends one or the other, and only when the address the
client describes differs from the one the user has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIELD = "default-address"
LOCATION_CODE = "location-code"
PARTS = ("street1", "city", "state", "postal-code", "country")


def normalise_address(changes: dict[str, Any], baseline: Mapping[str, Any]) -> None:
    """Shape the default address in ``changes`` the way Coupa takes it, or drop a non-change.

    ``baseline`` contains the target fields of the user before the write. An
    address with neither parts nor a location code clears the default address.
    """
    if FIELD not in changes:
        return
    wanted = changes[FIELD]
    if not isinstance(wanted, dict) or _empty(wanted):
        changes[FIELD] = None
        return

    before = baseline.get(FIELD) or {}
    code = wanted.get(LOCATION_CODE)
    code_changed = bool(code) and code != before.get(LOCATION_CODE)
    parts = {name: value for name, value in wanted.items() if name != LOCATION_CODE}
    parts = {name: value for name, value in parts.items() if not _empty(value)}
    parts_changed = bool(parts) and any(wanted.get(part) != before.get(part) for part in PARTS)

    if parts_changed:
        changes[FIELD] = {**parts, LOCATION_CODE: code} if code_changed else parts
    elif code_changed:
        changes[FIELD] = {LOCATION_CODE: code}
    else:
        # The parts Coupa filled in from a shared address, or the same parts again.
        del changes[FIELD]


def _empty(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_empty(item) for item in value.values())
    return value is None or value == ""
