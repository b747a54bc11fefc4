"""Translation of Coupa validation errors into SCIM errors."""

from __future__ import annotations

import re

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
        advice = "reference a record that exists in Coupa, by its id or name"
    return InvalidValue(f"Coupa could not {action}: {text.rstrip('.')}. To fix it, {advice}")
