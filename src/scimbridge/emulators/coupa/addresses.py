"""Validation of new addresses for ``POST /api/addresses`` and a user's ``default-address``."""

from __future__ import annotations

from typing import Any

from scimbridge.emulators.coupa.inputs import INVALID, Validation, humanize
from scimbridge.emulators.coupa.references import Association, resolve_one
from scimbridge.emulators.coupa.seed import COUNTRIES
from scimbridge.emulators.state import Document

REQUIRED_FIELDS = ("street1", "city", "postal-code", "country")
TEXT_FIELDS = (
    "name",
    "location-code",
    "street1",
    "street2",
    "street3",
    "street4",
    "city",
    "state",
    "postal-code",
    "attention",
    "vat-number",
    "local-tax-number",
)
_COUNTRY = Association("country", "Country", ("id", "code", "name"))


def address_fields(validation: Validation, body: dict[str, Any], label: str = "") -> Any:
    """Validate a new address object; return its record fields without id and stamps.

    ``label`` prefixes every message, such as ``Default address street1 can't be blank``.
    Returns INVALID when a message was recorded.
    """
    before = len(validation.messages)
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        value = validation.text(name, body.get(name))
        fields[name] = None if value is INVALID else value

    for name in REQUIRED_FIELDS:
        value = body.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            validation.add(f"{label}{name if label else humanize(name)} can't be blank")

    fields["country-id"] = None
    if body.get("country") is not None:
        countries = list(COUNTRIES.values())
        fields["country-id"] = resolve_one(validation, countries, _COUNTRY, body["country"])
    fields["active"] = True
    if "active" in body:
        fields["active"] = validation.boolean("active", body["active"])
    return INVALID if len(validation.messages) > before else fields


def same_address(existing: Document, fields: dict[str, Any], sent: dict[str, Any]) -> bool:
    """Return True when every attribute ``sent`` for a new address equals ``existing``."""
    for name, value in fields.items():
        if name == "active" or (name not in sent and name != "country-id"):
            continue
        if existing.get(name) != value:
            return False
    return True
