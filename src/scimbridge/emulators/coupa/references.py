"""Lookup of referenced records by id or natural key, with Coupa's error message.

A reference is a JSON object such as ``{"id": 3}`` or ``{"name": "Buyer"}``.
``id`` wins when present. Otherwise the first natural key present in the object
decides, compared case-insensitively. A miss is reported as Coupa reports it:
``Unable to find valid Role record for roles with keys {"name"=>"Nope"}.
Possible keys are ["id", "name"].``
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from scimbridge.emulators.coupa.inputs import INVALID, Validation, humanize, record_id
from scimbridge.emulators.state import Document


def ruby_hash(reference: dict[str, Any]) -> str:
    """Write a reference as a Ruby hash literal, as Coupa's messages quote it."""
    pairs = [f"{json.dumps(key)}=>{json.dumps(value)}" for key, value in reference.items()]
    return "{" + ", ".join(pairs) + "}"


def unable_message(
    model: str, association: str, reference: dict[str, Any], keys: tuple[str, ...]
) -> str:
    """Return Coupa's message for a reference that matches no record."""
    possible = ", ".join(json.dumps(key) for key in keys)
    return (
        f"Unable to find valid {model} record for {association.replace('-', '_')} "
        f"with keys {ruby_hash(reference)}. Possible keys are [{possible}]."
    )


def _folded(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def match_reference(
    candidates: list[Document], reference: dict[str, Any], keys: tuple[str, ...]
) -> Document | None:
    """Return the candidate that ``reference`` names, or None."""
    if "id" in keys and reference.get("id") is not None:
        requested_id = record_id(reference["id"])
        return next((item for item in candidates if item["id"] == requested_id), None)

    for key in keys:
        if key == "id" or reference.get(key) is None:
            continue
        requested = _folded(reference[key])
        return next((item for item in candidates if _folded(item.get(key)) == requested), None)
    return None


@dataclass(frozen=True)
class Association:
    """A reference attribute: its ``name`` in bodies, the Rails ``model`` and the lookup keys.

    ``keys`` lists the attributes a reference object may name the record by, in
    order of precedence. Messages quote the first one as the example.
    """

    name: str
    model: str
    keys: tuple[str, ...]


def resolve_one(
    validation: Validation, candidates: list[Document], association: Association, value: Any
) -> Any:
    """Resolve one reference to a record id; None clears it, INVALID means an error was recorded."""
    keys = association.keys
    if value is None:
        return None
    if not isinstance(value, dict):
        validation.add(
            f'{humanize(association.name)} must be an object such as {{"{keys[0]}": ...}}'
        )
        return INVALID

    found = match_reference(candidates, value, keys)
    if found is None:
        validation.add(unable_message(association.model, association.name, value, keys))
        return INVALID
    return found["id"]


def resolve_many(
    validation: Validation, candidates: list[Document], association: Association, value: Any
) -> Any:
    """Resolve a list of references to ids in the order sent; null is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        validation.add(f"{humanize(association.name)} must be an array of objects")
        return INVALID

    ids: list[int] = []
    failed = False
    for item in value:
        resolved = resolve_one(validation, candidates, association, item)
        if resolved is INVALID or resolved is None:
            failed = failed or resolved is INVALID
            continue
        if resolved not in ids:
            ids.append(resolved)
    return INVALID if failed else ids
