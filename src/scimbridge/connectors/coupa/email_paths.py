"""Request bodies that name Coupa's one email in ways the mapping does not read.

Coupa keeps one email per user, returned as one ``emails`` entry of type
``work`` without a ``primary`` flag. Clients still address it through
filters: Entra ID maps a user's mail to ``emails[type eq "work"].value``, and
others use ``emails[primary eq true].value``, which would select no entry. An
add or replace on such a path is rewritten to a replace of ``emails`` with the
one value, which works whether or not the user has an email yet.

A POST or PUT may also send several emails and mark one ``primary``. The
schema publishes no ``primary`` flag, so the marked entry is moved first,
where the mapping takes Coupa's email from.
"""

from __future__ import annotations

from typing import Any

# Value paths that name the one email, written without spaces and in lower case.
EMAIL_VALUE_PATHS = frozenset(
    {
        'emails[typeeq"work"].value',
        "emails[primaryeqtrue].value",
        'emails[primaryeq"true"].value',
    }
)


def rewrite_email_paths(body: Any) -> Any:
    """Return a PATCH body whose operations on a filtered email path replace ``emails``."""
    if not isinstance(body, dict):
        return body
    key = next((name for name in body if name.lower() == "operations"), None)
    operations = body.get(key) if key else None
    if key is None or not isinstance(operations, list):
        return body
    return {**body, key: [_rewrite(operation) for operation in operations]}


def _rewrite(operation: Any) -> Any:
    if not isinstance(operation, dict):
        return operation
    keys = {name.lower(): name for name in operation}
    op = str(operation.get(keys.get("op", "op"), "")).lower()
    path = operation.get(keys.get("path", "path"))
    if op not in ("add", "replace") or not isinstance(path, str):
        return operation
    if path.replace(" ", "").lower() not in EMAIL_VALUE_PATHS:
        return operation

    value = operation.get(keys.get("value", "value"))
    email = value[0] if isinstance(value, list) and value else value
    return {"op": "replace", "path": "emails", "value": [{"value": email}]}


def primary_email_first(body: Any) -> Any:
    """Return a POST or PUT body whose ``emails`` list starts with the entry marked primary."""
    if not isinstance(body, dict):
        return body
    key = next((name for name in body if name.lower() == "emails"), None)
    emails = body.get(key) if key else None
    if key is None or not isinstance(emails, list):
        return body
    primary = [entry for entry in emails if _is_primary(entry)]
    others = [entry for entry in emails if not _is_primary(entry)]
    return {**body, key: primary[:1] + others + primary[1:]}


def _is_primary(entry: Any) -> bool:
    return isinstance(entry, dict) and entry.get("primary") in (True, "true", "True")
