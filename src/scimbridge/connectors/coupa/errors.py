"""Translation of Coupa validation errors into SCIM errors."""

from __future__ import annotations

import re

from scimbridge.connectors.coupa.mappings import USER_ROWS
from scimbridge.errors import InvalidValue, ScimError, TargetRejected, Uniqueness

# Coupa field names in its messages, with the SCIM attribute a client sets.
_ATTRIBUTES = {
    "login": "userName",
    "email": "emails[0].value (the email)",
    "employee number": "employeeNumber of the enterprise extension",
    "mention name": "mentionName of the Coupa extension",
}

# TargetHttp prefixes every target message with the target and the status.
_PREFIX = re.compile(r"^Coupa answered \d{3}: ")

_TAKEN = re.compile(r"^(?P<field>[A-Za-z ]+?) has already been taken", re.IGNORECASE)


def rejected_write(action: str, exc: TargetRejected) -> ScimError:
    """Turn Coupa's 400 response to a write into 409 uniqueness or 400 invalidValue.

    The message keeps Coupa's own words, which name the rejected value (for
    example ``Unable to find valid Role record for roles with keys
    {"name"=>"Buyr"}``), and adds what to do.
    """
    text = _PREFIX.sub("", exc.message)
    for message in text.split("; "):
        taken = _TAKEN.match(message.strip())
        if taken:
            field = taken["field"].strip().lower()
            attribute = _ATTRIBUTES.get(field, field)
            return Uniqueness(
                f"Coupa could not {action}: {message.strip()}. The {attribute} must be unique "
                "in Coupa; choose another value or update the user that holds it"
            )

    advice = "correct the value Coupa names"
    if "Unable to find valid" in text:
        advice = "reference a record that exists in Coupa, by one of the keys Coupa lists"
    named = scim_attributes_named(text)
    where = f" (SCIM attribute {', '.join(named)})" if named else ""
    return InvalidValue(f"Coupa could not {action}: {text.rstrip('.')}{where}. To fix it, {advice}")


def scim_attributes_named(text: str) -> list[str]:
    """Name the SCIM attributes behind the Coupa fields a Coupa message mentions.

    Coupa writes a field as ``default_account_type`` in reference errors and as
    ``Default address`` in validation errors; both forms are recognised.
    """
    lowered = text.lower()
    found: list[str] = []
    for field, attribute in _FIELD_ATTRIBUTES:
        spellings = (field, field.replace("-", "_"), field.replace("-", " "))
        if any(re.search(rf"\b{re.escape(form)}\b", lowered) for form in spellings):
            if attribute not in found:
                found.append(attribute)
            lowered = lowered.replace(field.replace("-", " "), " ").replace(
                field.replace("-", "_"), " "
            )
    return found


def _field_attributes() -> list[tuple[str, str]]:
    """Return (Coupa field, SCIM attribute) pairs, longest field first."""
    pairs: dict[str, str] = {}
    for row in USER_ROWS:
        if not row.writable:
            continue
        for target in row.target.fields:
            field = target.split(".")[0].split("[")[0]
            if field == "custom-fields":
                continue
            attribute = row.scim.split("[")[0].rsplit(".", 1)[0] if "[" in row.scim else row.scim
            pairs.setdefault(field, _short(attribute))
    return sorted(pairs.items(), key=lambda pair: -len(pair[0]))


def _short(path: str) -> str:
    """Drop the extension URN from a row path, keeping the attribute name."""
    if path.lower().startswith("urn:"):
        return path.rpartition(":")[2]
    return path


_FIELD_ATTRIBUTES = _field_attributes()
