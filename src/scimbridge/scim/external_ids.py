"""``externalId``, which the gateway keeps because targets have no field for it.

RFC 7643 §3.1 makes ``externalId`` the provisioning client's own identifier of
a resource; Entra ID and Okta match users by it. The SCIM edge stores it in the
gateway store, adds it to every resource it returns, and looks up
``externalId eq "..."`` filters (alone or joined by ``or``) in the store.
Other filters on it are evaluated in the gateway over every resource, with the
stored values added (see ``ScimEndpoints``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from scim2_models.path.expressions import FilterNode

from scimbridge.connectors.pushdown import or_equalities
from scimbridge.errors import InvalidValue
from scimbridge.scim.patch import PatchOperation
from scimbridge.scim.patch_intent import operation_touches

NAME = "externalId"
MAX_LENGTH = 255


def split_pathless(operations: list[PatchOperation]) -> list[PatchOperation]:
    """Split path-less operations into one operation per top-level attribute.

    A path-less ``replace`` carrying ``displayName`` and ``members`` becomes two
    operations, so each can be routed to the target call that serves it.
    """
    split: list[PatchOperation] = []
    for operation in operations:
        if operation.path is not None or not isinstance(operation.value, dict):
            split.append(operation)
            continue
        for key, value in operation.value.items():
            split.append(replace(operation, value={key: value}))
    return split


def take_external_id(
    operations: list[PatchOperation], current: str | None
) -> tuple[list[PatchOperation], str | None, bool]:
    """Remove the operations on externalId; returns (the others, the new value, changed)."""
    remaining: list[PatchOperation] = []
    value = current
    changed = False
    for operation in operations:
        if operation_touches(operation) != NAME.lower():
            remaining.append(operation)
            continue
        changed = True
        if operation.op == "remove":
            value = None
        else:
            raw = operation.value[NAME] if operation.path is None else operation.value
            value = check_external_id(raw)
    return remaining, value, changed


def check_external_id(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"externalId must be a string, got {value!r}")
    if len(value) > MAX_LENGTH:
        raise InvalidValue(f"externalId is longer than {MAX_LENGTH} characters; shorten it")
    return value


def filter_values(node: FilterNode, core_schema: str) -> list[str] | None:
    """Return the values of ``externalId eq "a" or externalId eq "b"``.

    Any other filter gives None.
    """
    return or_equalities(node, {NAME.lower()}, core_schema)
