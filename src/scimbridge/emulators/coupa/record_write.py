"""One request body applied to one record, attribute by attribute."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scimbridge.emulators.coupa.inputs import INVALID, Validation, humanize
from scimbridge.emulators.coupa.references import Association, resolve_many, resolve_one
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.state import Document


@dataclass
class RecordWrite:
    """A POST, PUT or PATCH body applied to a copy of one record.

    Each method reads one attribute when the body sends it, validates it and
    stores it in ``record``. A value that fails validation leaves the record as
    it was, and ``validation`` gets the message instead.
    """

    store: Store
    record: Document
    body: dict[str, Any]
    validation: Validation

    def text(self, name: str, max_length: int = 255, *, strip: bool = False) -> None:
        """Copy a string attribute; ``strip`` removes white space around the value."""
        if name not in self.body:
            return
        value = self.validation.text(name, self.body[name], max_length)
        if strip and isinstance(value, str):
            value = value.strip()
        self._store(name, value)

    def boolean(self, name: str) -> None:
        """Copy a boolean attribute."""
        if name in self.body:
            self._store(name, self.validation.boolean(name, self.body[name]))

    def choice(self, name: str, allowed: tuple[int, ...]) -> None:
        """Copy an integer attribute that must be one of ``allowed``."""
        if name in self.body:
            self._store(name, self.validation.choice(name, self.body[name], allowed))

    def reference(self, association: Association, candidates: list[Document]) -> None:
        """Resolve a reference attribute into ``<name>-id``."""
        name = association.name
        if name in self.body:
            resolved = resolve_one(self.validation, candidates, association, self.body[name])
            self._store(name + "-id", resolved)

    def required_reference(self, association: Association, candidates: list[Document]) -> None:
        """Resolve a reference attribute, then record ``Name can't be blank`` if the id is unset.

        A failed lookup leaves the id unset, so it records the blank message too.
        """
        self.reference(association, candidates)
        if self.record[association.name + "-id"] is None:
            self.validation.add(f"{humanize(association.name)} can't be blank")

    def references(self, association: Association, candidates: list[Document], field: str) -> None:
        """Resolve a list of references into the list of ids in ``field``."""
        name = association.name
        if name in self.body:
            ids = resolve_many(self.validation, candidates, association, self.body[name])
            self._store(field, ids)

    def check_unique(self, kind: str, field: str = "name") -> None:
        """Record ``Name has already been taken`` when another record of ``kind`` has the value."""
        value = self.record.get(field)
        if not value:
            return
        other = self.store.find(kind, field, value)
        if other is not None and other["id"] != self.record["id"]:
            self.validation.add(f"{humanize(field)} has already been taken")

    def _store(self, field: str, value: Any) -> None:
        if value is not INVALID:
            self.record[field] = value


def free_mention_name(store: Store, kind: str, text: str, record_id: int, fallback: str) -> str:
    """Build a mention name from ``text`` that no other record of ``kind`` has.

    The base is the lower-case letters and digits of ``text``, or ``fallback``
    when there are none. When the base is taken, the first free one of
    ``<base>1``, ``<base>2`` and so on is returned.
    """
    base = re.sub(r"[^a-z0-9]", "", text.lower()) or fallback
    candidate = base
    suffix = 0
    while True:
        other = store.find(kind, "mention-name", candidate)
        if other is None or other["id"] == record_id:
            return candidate
        suffix += 1
        candidate = f"{base}{suffix}"
