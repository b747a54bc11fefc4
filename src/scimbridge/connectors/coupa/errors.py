"""Translation of Coupa validation errors into SCIM errors."""

from __future__ import annotations

import re

from scimbridge.connectors.coupa.mappings import USER_ROWS
from scimbridge.errors import InvalidValue, ScimError, TargetRejected, Uniqueness
from scimbridge.mapping.engine import parse_row_path

# Coupa field names in its messages, with the SCIM attribute a client sets.
_ATTRIBUTES = {
    "login": "userName",
    "email": "emails[0].value (the email)",
    "employee number": "employeeNumber of the enterprise extension",
    "mention name": "mentionName of the Coupa extension",
}

# TargetHttp prefixes every target message with the target and the status.
_PREFIX = re.compile(r"^Coupa answered \d{3}: ")

_ASSOCIATION = re.compile(r"record for (?P<field>[\w-]+) with keys")

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
    elif "default address" in text.lower():
        advice = (
            "send streetAddress, locality, postalCode and country of addresses together, "
            "or name a shared address with defaultAddressLocationCode"
        )
    named = scim_attributes_named(text)
    where = f" (SCIM attribute {', '.join(named)})" if named else ""
    return InvalidValue(f"Coupa could not {action}: {text.rstrip('.')}{where}. To fix it, {advice}")


def scim_attributes_named(text: str) -> list[str]:
    """Name the SCIM attributes behind the Coupa fields a Coupa message is about.

    A reference error names the field as ``for default_account_type with
    keys``; a validation message starts with it, as in ``Default address city
    can't be blank``. Other words of a message are not read as fields.
    """
    association = _ASSOCIATION.search(text)
    subjects = [association["field"]] if association else text.split("; ")
    found: list[str] = []
    for subject in subjects:
        attribute = _leading_attribute(subject.strip().lower())
        if attribute is not None and attribute not in found:
            found.append(attribute)
    return found


def _leading_attribute(subject: str) -> str | None:
    for field, attribute in _FIELD_ATTRIBUTES:
        for form in (field, field.replace("-", "_"), field.replace("-", " ")):
            if subject == form or subject.startswith(form + " "):
                return attribute
    return None


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
            path = parse_row_path(row.scim)
            attribute = path.attr if path.multi or path.sub is None else f"{path.attr}.{path.sub}"
            pairs.setdefault(field, attribute)
    return sorted(pairs.items(), key=lambda pair: -len(pair[0]))


_FIELD_ATTRIBUTES = _field_attributes()
