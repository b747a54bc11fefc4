"""The instance's records by kind and id, written through to a DocumentStore.

Records are plain dictionaries with hyphenated keys. A record contains its own
attributes and refers to other records by id (``role-ids``, ``manager-id``,
``account-type-id``), so a rename shows everywhere at once. Memberships of users
in user groups are records of their own, indexed by user and by group.

Every handler runs on the server's event loop without awaiting between reading
and writing records, so requests never interleave inside a change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scimbridge.emulators.coupa.settings import CoupaEmulatorSettings
from scimbridge.emulators.state import Document, DocumentStore

USER = "user"
ROLE = "role"
BUSINESS_GROUP = "business_group"
USER_GROUP = "user_group"
MEMBERSHIP = "user_group_membership"
ACCOUNT_TYPE = "account_type"
ACCOUNT = "account"
ACCOUNT_GROUP = "account_group"
APPROVAL_LIMIT = "approval_limit"
ADDRESS = "address"
CURRENCY = "currency"

KINDS = (
    USER,
    ROLE,
    BUSINESS_GROUP,
    USER_GROUP,
    MEMBERSHIP,
    ACCOUNT_TYPE,
    ACCOUNT,
    ACCOUNT_GROUP,
    APPROVAL_LIMIT,
    ADDRESS,
    CURRENCY,
)

ACCESS_TOKEN = "access_token"
META = "meta"
SEQUENCES_KEY = "sequences"
SEEDED_KEY = "seeded"

FIRST_USER_ID = 100
"""Users created through the API get ids from here up, clear of the seeded API user."""


class Store:
    """Every record and access token of one emulated Coupa instance."""

    def __init__(self, settings: CoupaEmulatorSettings) -> None:
        self.documents = DocumentStore(settings.state_path)
        self.records: dict[str, dict[int, Document]] = {}
        for kind in KINDS:
            loaded = self.documents.load(kind)
            self.records[kind] = {int(key): record for key, record in loaded.items()}

        meta = self.documents.load(META)
        self.sequences: dict[str, int] = dict(meta.get(SEQUENCES_KEY, {}))
        self.access_tokens = self.documents.load(ACCESS_TOKEN)
        self.seeded = SEEDED_KEY in meta

        self._user_memberships: dict[int, set[int]] = {}
        self._group_memberships: dict[int, set[int]] = {}
        for membership in self.records[MEMBERSHIP].values():
            self._index_membership(membership)

    def close(self) -> None:
        """Close the state file."""
        self.documents.close()

    def mark_seeded(self) -> None:
        """Record that the sandbox records were written, so later starts skip seeding."""
        self.seeded = True
        self.documents.put(META, SEEDED_KEY, {"seeded": True})

    def get(self, kind: str, record_id: int) -> Document | None:
        """Return one record, or None when there is no record of ``kind`` with that id."""
        return self.records[kind].get(record_id)

    def all(self, kind: str) -> list[Document]:
        """Return every record of ``kind`` in ascending id order."""
        table = self.records[kind]
        return [table[record_id] for record_id in sorted(table)]

    def find(self, kind: str, attribute: str, value: Any) -> Document | None:
        """Return the first record whose ``attribute`` equals ``value`` (strings ignore case)."""
        requested = _fold(value)
        for record in self.all(kind):
            if _fold(record.get(attribute)) == requested:
                return record
        return None

    def select(self, kind: str, predicate: Callable[[Document], bool]) -> list[Document]:
        """Return the records of ``kind`` that satisfy ``predicate``, in id order."""
        return [record for record in self.all(kind) if predicate(record)]

    def next_id(self, kind: str) -> int:
        """Reserve and return the next id of ``kind``; ids are never given out twice."""
        used = max(self.records[kind], default=0)
        next_value = max(self.sequences.get(kind, 0), used) + 1
        if kind == USER:
            next_value = max(next_value, FIRST_USER_ID)

        self.sequences[kind] = next_value
        self.documents.put(META, SEQUENCES_KEY, dict(self.sequences))
        return next_value

    def put(self, kind: str, record: Document) -> None:
        """Insert or replace one record and persist it."""
        if kind == MEMBERSHIP:
            self._unindex_membership(record["id"])
            self._index_membership(record)

        self.records[kind][record["id"]] = record
        self.documents.put(kind, str(record["id"]), record)

    def delete(self, kind: str, record_id: int) -> None:
        """Delete one record; a missing record is not an error."""
        if kind == MEMBERSHIP:
            self._unindex_membership(record_id)

        self.records[kind].pop(record_id, None)
        self.documents.delete(kind, str(record_id))

    def memberships_of_user(self, user_id: int) -> list[Document]:
        """Return the user's memberships in user groups, ordered by group id."""
        ids = self._user_memberships.get(user_id, set())
        found = [self.records[MEMBERSHIP][membership_id] for membership_id in ids]
        return sorted(found, key=lambda membership: membership["user-group-id"])

    def memberships_of_group(self, group_id: int) -> list[Document]:
        """Return the memberships of a user group, ordered by user id."""
        ids = self._group_memberships.get(group_id, set())
        found = [self.records[MEMBERSHIP][membership_id] for membership_id in ids]
        return sorted(found, key=lambda membership: membership["user-id"])

    def _index_membership(self, membership: Document) -> None:
        self._user_memberships.setdefault(membership["user-id"], set()).add(membership["id"])
        self._group_memberships.setdefault(membership["user-group-id"], set()).add(membership["id"])

    def _unindex_membership(self, membership_id: int) -> None:
        old = self.records[MEMBERSHIP].get(membership_id)
        if old is None:
            return
        self._user_memberships.get(old["user-id"], set()).discard(membership_id)
        self._group_memberships.get(old["user-group-id"], set()).discard(membership_id)

    def put_access_token(self, token: Document) -> None:
        """Store an issued access token under its value."""
        self.access_tokens[token["token"]] = token
        self.documents.put(ACCESS_TOKEN, token["token"], token)

    def prune_access_tokens(self, now: float) -> None:
        """Forget access tokens that expired more than a day ago."""
        stale = [
            value
            for value, token in self.access_tokens.items()
            if token["expires-at"] < now - 86400
        ]
        for value in stale:
            del self.access_tokens[value]
            self.documents.delete(ACCESS_TOKEN, value)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value
