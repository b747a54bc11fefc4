"""Writes to ``emails`` taken as writes to ``userName``.

GoTo keeps one email per user, which is also the login, and the mapping shows
it twice: as ``userName`` and as the one entry of ``emails``. ``emails`` is
published read-only, yet clients write it: Entra ID maps a user's mail to
``emails[type eq "work"].value`` and sends a PATCH when the mail changes, and
some clients create users with ``emails`` and no ``userName``. These
functions rewrite such bodies so that the email lands in ``userName``, which
GoTo stores. A body that sets both to different values keeps its ``userName``.
"""

from __future__ import annotations

from typing import Any


def alias_resource(body: Any) -> Any:
    """Fill a missing ``userName`` of a POST or PUT body from its primary email."""
    if not isinstance(body, dict) or _key(body, "userName") is not None:
        return body
    email = primary_email(body.get(_key(body, "emails") or "emails"))
    if email is None:
        return body
    return {**body, "userName": email}


def alias_patch(body: Any) -> Any:
    """Turn PATCH operations on the email into operations on ``userName``."""
    if not isinstance(body, dict):
        return body
    operations_key = _key(body, "Operations")
    operations = body.get(operations_key) if operations_key else None
    if not isinstance(operations, list):
        return body
    return {**body, operations_key: [_alias_operation(op) for op in operations]}


def primary_email(value: Any) -> str | None:
    """Return the value of the primary entry of an ``emails`` list, or of its first entry."""
    entries = value if isinstance(value, list) else [value]
    chosen = None
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
            continue
        if chosen is None or entry.get("primary") in (True, "true", "True"):
            chosen = entry["value"]
            if entry.get("primary") in (True, "true", "True"):
                break
    return chosen


def _alias_operation(operation: Any) -> Any:
    if not isinstance(operation, dict):
        return operation
    fields = {key.lower(): key for key in operation}
    op = str(operation.get(fields.get("op", "op"), "")).lower()
    if op not in ("add", "replace"):
        return operation

    path_key = fields.get("path", "path")
    value_key = fields.get("value", "value")
    path = operation.get(path_key)
    value = operation.get(value_key)
    if isinstance(path, str):
        email = _email_for_path(path, value)
        if email is None:
            return operation
        return {**operation, path_key: "userName", value_key: email}
    if isinstance(value, dict):
        return {**operation, value_key: _alias_pathless(value)}
    return operation


def _email_for_path(path: str, value: Any) -> str | None:
    """Return the email an operation on ``path`` writes, or None when the path is not the email."""
    lowered = path.replace(" ", "").lower()
    if lowered in ("emails", "urn:ietf:params:scim:schemas:core:2.0:user:emails"):
        return primary_email(value)
    if lowered in _EMAIL_VALUE_PATHS:
        email = value[0] if isinstance(value, list) and value else value
        return email if isinstance(email, str) else None
    return None


def _alias_pathless(value: dict[str, Any]) -> dict[str, Any]:
    emails_key = _key(value, "emails")
    if emails_key is None:
        return value
    rest = {key: item for key, item in value.items() if key != emails_key}
    email = primary_email(value[emails_key])
    if email is not None and _key(rest, "userName") is None:
        rest["userName"] = email
    return rest


# Value paths that name the one email: by type, by primary, or every entry.
_EMAIL_VALUE_PATHS = frozenset(
    {
        "emails.value",
        'emails[typeeq"work"].value',
        "emails[primaryeqtrue].value",
        'emails[primaryeq"true"].value',
    }
)


def _key(container: dict[str, Any], name: str) -> str | None:
    """Return the key of ``container`` that equals ``name`` case-insensitively."""
    wanted = name.lower()
    for key in container:
        if key.lower() == wanted:
            return key
    return None
