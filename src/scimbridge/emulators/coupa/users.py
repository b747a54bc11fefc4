"""Creation and update of users, with Coupa's validation rules.

A write is all or nothing: every message is collected first, and the user, a new
default address and membership changes are stored only when there is none.
PUT and PATCH are partial: only the keys sent change, and a collection sent
replaces the stored one. Unknown and read-only keys are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.addresses import address_fields, same_address
from scimbridge.emulators.coupa.inputs import INVALID, Validation
from scimbridge.emulators.coupa.memberships import set_groups_of_user
from scimbridge.emulators.coupa.record_write import RecordWrite, free_mention_name
from scimbridge.emulators.coupa.references import Association, resolve_many, resolve_one
from scimbridge.emulators.coupa.schemas import APPROVAL_LIMIT_SUBJECTS, LICENCE_FIELDS
from scimbridge.emulators.coupa.seed import USER_ROLE_ID, new_user_record
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.coupa.timestamps import creation_stamps, now_utc
from scimbridge.emulators.coupa.user_accounts import resolve_default_account
from scimbridge.emulators.state import Document

RESOURCE = "user"
AUTHENTICATION_METHODS = ("coupa_credentials", "saml", "ldap")
UNIQUE_FIELDS = ("login", "email", "employee-number", "mention-name")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+$")

_TEXT_FIELDS = {
    "login": 255,
    "email": 255,
    "firstname": 40,
    "lastname": 40,
    "middlename": 255,
    "employee-number": 255,
    "mention-name": 255,
    "sso-identifier": 255,
    "default-locale": 10,
}
_BOOLEAN_FIELDS = ("active", *LICENCE_FIELDS)
_CHOICE_FIELDS = {"account-security-type": (0, 1, 2), "business-group-security-type": (0, 1)}
_COLLECTIONS = (
    (Association("roles", "Role", ("id", "name")), kinds.ROLE, "role-ids"),
    (
        Association("content-groups", "BusinessGroup", ("id", "name")),
        kinds.BUSINESS_GROUP,
        "content-group-ids",
    ),
    (
        Association("account-groups", "AccountGroup", ("id", "name")),
        kinds.ACCOUNT_GROUP,
        "account-group-ids",
    ),
)
_REFERENCES = (
    (Association("manager", "User", ("id", "login", "email")), kinds.USER),
    (Association("default-currency", "Currency", ("id", "code")), kinds.CURRENCY),
    (Association("default-account-type", "AccountType", ("id", "name")), kinds.ACCOUNT_TYPE),
)
_APPROVAL_LIMITS = tuple(
    (Association(field, "ApprovalLimit", ("id", "name")), subject)
    for field, subject in APPROVAL_LIMIT_SUBJECTS.items()
)
_USER_GROUPS = Association("user-groups", "UserGroup", ("id", "name"))
_APPROVAL_GROUPS = Association("approval-groups", "UserGroup", ("id", "name"))
_DEFAULT_ADDRESS = Association("default-address", "Address", ("id", "location-code"))


@dataclass
class PendingWrite:
    """The parts of a user write that are stored after the user record."""

    group_ids: set[int] | None = None
    new_address: dict[str, Any] | None = None


class UserWriter:
    """Applies POST, PUT and PATCH bodies of ``/api/users`` to the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, body: dict[str, Any], actor_id: int | None) -> int:
        """Create a user and return its id; 400 with every message when invalid."""
        record = new_user_record(0, now_utc(), actor_id)
        validation = Validation(RESOURCE)
        write = RecordWrite(self.store, record, body, validation)
        pending = self._apply(write, None)

        for name in ("login", "email", "firstname", "lastname"):
            validation.required(name, record[name])
        _check_unique(write)
        validation.raise_if_any()

        record["id"] = self.store.next_id(kinds.USER)
        if not record["mention-name"]:
            record["mention-name"] = self._mention_name(record)
        self._commit(record, pending, actor_id)
        return int(record["id"])

    def update(self, stored: Document, body: dict[str, Any], actor_id: int | None) -> None:
        """Apply a partial update to a stored user; 400 with every message when invalid."""
        record = dict(stored)
        validation = Validation(RESOURCE)
        write = RecordWrite(self.store, record, body, validation)
        pending = self._apply(write, stored)

        for name in ("login", "email", "firstname", "lastname"):
            if name in body:
                validation.required(name, record[name])
        _check_unique(write)
        validation.raise_if_any()

        if not record["mention-name"]:
            record["mention-name"] = self._mention_name(record)
        changed = record != stored or pending.new_address is not None
        if changed:
            record["updated-at"] = now_utc()
            record["updated-by-id"] = actor_id
        self._commit(record, pending, actor_id)

    def _commit(self, record: Document, pending: PendingWrite, actor_id: int | None) -> None:
        if pending.new_address is not None:
            address = dict(pending.new_address)
            address["id"] = self.store.next_id(kinds.ADDRESS)
            address.update(creation_stamps(actor_id))
            self.store.put(kinds.ADDRESS, address)
            record["default-address-id"] = address["id"]

        self.store.put(kinds.USER, record)
        if pending.group_ids is not None:
            set_groups_of_user(self.store, record["id"], pending.group_ids, actor_id)

    def _apply(self, write: RecordWrite, stored: Document | None) -> PendingWrite:
        _apply_scalars(write)
        self._apply_collections(write)
        self._apply_references(write, stored)

        pending = PendingWrite()
        pending.group_ids = self._group_ids(write, stored)
        if "default-address" in write.body:
            self._apply_address(write, pending)
        return pending

    def _apply_collections(self, write: RecordWrite) -> None:
        for association, kind, field in _COLLECTIONS:
            write.references(association, self.store.all(kind), field)

        if not write.record["role-ids"]:
            write.record["role-ids"] = [USER_ROLE_ID]

    def _apply_references(self, write: RecordWrite, stored: Document | None) -> None:
        record, body, validation = write.record, write.body, write.validation
        for association, kind in _REFERENCES:
            write.reference(association, self.store.all(kind))
        limits = self.store.all(kinds.APPROVAL_LIMIT)
        for association, subject in _APPROVAL_LIMITS:
            candidates = [limit for limit in limits if limit["subject"] == subject]
            write.reference(association, candidates)

        if record["manager-id"] is not None and record["manager-id"] == record["id"]:
            validation.add("Manager can't be the user itself")
        if "default-account" in body:
            account_id = resolve_default_account(
                self.store, validation, body["default-account"], stored
            )
            if account_id is not INVALID:
                record["default-account-id"] = account_id

    def _group_ids(self, write: RecordWrite, stored: Document | None) -> set[int] | None:
        body, validation = write.body, write.validation
        if "user-groups" not in body and "approval-groups" not in body:
            return None

        groups = self.store.all(kinds.USER_GROUP)
        current = set()
        if stored is not None:
            memberships = self.store.memberships_of_user(write.record["id"])
            current = {item["user-group-id"] for item in memberships}

        target = current
        if "user-groups" in body:
            ids = resolve_many(validation, groups, _USER_GROUPS, body["user-groups"])
            if ids is INVALID:
                return None
            target = set(ids)

        if "approval-groups" in body:
            ids = resolve_many(validation, groups, _APPROVAL_GROUPS, body["approval-groups"])
            if ids is INVALID:
                return None
            can_approve = {group["id"] for group in groups if group["can-approve"]}
            rejected = [group["name"] for group in groups if group["id"] in set(ids) - can_approve]
            if rejected:
                validation.add(
                    "Approval groups must be user groups with can-approve set: "
                    + ", ".join(rejected)
                )
                return None
            target = (target - can_approve) | set(ids)
        return target

    def _apply_address(self, write: RecordWrite, pending: PendingWrite) -> None:
        record, validation = write.record, write.validation
        value = write.body["default-address"]
        if value is None:
            record["default-address-id"] = None
            return
        if not isinstance(value, dict):
            validation.add('Default address must be an object such as {"location-code": "HQ-SF"}')
            return

        addresses = self.store.all(kinds.ADDRESS)
        if value.get("id") is not None:
            resolved = resolve_one(validation, addresses, _DEFAULT_ADDRESS, value)
            if resolved is not INVALID:
                record["default-address-id"] = resolved
            return

        code = value.get("location-code")
        shared = self.store.find(kinds.ADDRESS, "location-code", code) if code else None
        if shared is not None:
            record["default-address-id"] = shared["id"]
            return

        fields = address_fields(validation, value, "Default address ")
        if fields is INVALID:
            return
        current = self.store.get(kinds.ADDRESS, record["default-address-id"] or 0)
        if current is not None and same_address(current, fields, value):
            return
        pending.new_address = fields

    def _mention_name(self, user: Document) -> str:
        return free_mention_name(self.store, kinds.USER, user["login"], user["id"], "user")


def _apply_scalars(write: RecordWrite) -> None:
    record, body, validation = write.record, write.body, write.validation
    for name, max_length in _TEXT_FIELDS.items():
        write.text(name, max_length, strip=True)
    for name in _BOOLEAN_FIELDS:
        write.boolean(name)
    for name, allowed in _CHOICE_FIELDS.items():
        write.choice(name, allowed)

    if "authentication-method" in body:
        method = body["authentication-method"]
        if method in AUTHENTICATION_METHODS:
            record["authentication-method"] = method
        else:
            validation.add(
                "Authentication method must be one of " + ", ".join(AUTHENTICATION_METHODS)
            )

    if record["email"] and not EMAIL_PATTERN.match(record["email"]):
        validation.add("Email is invalid")
    if "custom-fields" in body:
        _apply_custom_fields(record, body["custom-fields"], validation)


def _apply_custom_fields(record: Document, value: Any, validation: Validation) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        validation.add("Custom fields must be an object")
        return

    merged = dict(record["custom-fields"])
    for key, item in value.items():
        if item is None:
            merged.pop(key, None)
        else:
            merged[key] = item
    record["custom-fields"] = merged


def _check_unique(write: RecordWrite) -> None:
    for name in UNIQUE_FIELDS:
        write.check_unique(kinds.USER, name)
