"""Creation and update of every resource except users and memberships.

Each resource has one function that applies a body to a record. The same
function serves POST (``creating`` is True) and PUT, so PUT is partial like
Coupa's. Attributes that are read-only, such as an account's segments after
creation, are ignored on update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.addresses import address_fields
from scimbridge.emulators.coupa.inputs import INVALID, Validation
from scimbridge.emulators.coupa.memberships import set_users_of_group
from scimbridge.emulators.coupa.record_write import RecordWrite, free_mention_name
from scimbridge.emulators.coupa.references import Association, resolve_many
from scimbridge.emulators.coupa.render import account_code
from scimbridge.emulators.coupa.schemas import APPROVAL_LIMIT_SUBJECTS, SEGMENTS
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.coupa.timestamps import creation_stamps, now_utc
from scimbridge.emulators.state import Document

SUBJECTS = tuple(dict.fromkeys(APPROVAL_LIMIT_SUBJECTS.values()))

_CURRENCY = Association("currency", "Currency", ("id", "code"))
_ACCOUNT_TYPE = Association("account-type", "AccountType", ("id", "name"))
_GROUP_USERS = Association("users", "User", ("id", "login", "email"))


@dataclass
class CatalogWrite(RecordWrite):
    """A POST (``creating``) or PUT body applied to a catalog record.

    ``group_users`` is the new member set of a user group. It is None unless the
    body sends ``users``, and the members are stored after the group, once the
    whole body is valid.
    """

    creating: bool
    group_users: set[int] | None = None


Applier = Callable[[CatalogWrite], None]


class CatalogWriter:
    """Applies POST and PUT bodies of the non-user resources to the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, kind: str, body: dict[str, Any], actor_id: int | None) -> int:
        """Create a record of ``kind`` and return its id; 400 with every message when invalid."""
        record: Document = {"id": 0, **creation_stamps(actor_id)}
        write = CatalogWrite(self.store, record, body, Validation(kind), creating=True)
        APPLIERS[kind](write)
        write.validation.raise_if_any()

        record["id"] = self.store.next_id(kind)
        if kind == kinds.USER_GROUP:
            record["mention-name"] = free_mention_name(
                self.store, kinds.USER_GROUP, record["name"], record["id"], "group"
            )
        self.store.put(kind, record)
        self._store_group_users(write, actor_id)
        return int(record["id"])

    def update(
        self, kind: str, stored: Document, body: dict[str, Any], actor_id: int | None
    ) -> None:
        """Apply a partial update; ``updated-at`` moves only when a stored value changes."""
        record = dict(stored)
        write = CatalogWrite(self.store, record, body, Validation(kind), creating=False)
        APPLIERS[kind](write)
        write.validation.raise_if_any()

        if record != stored:
            record["updated-at"] = now_utc()
            record["updated-by-id"] = actor_id
            self.store.put(kind, record)
        self._store_group_users(write, actor_id)

    def _store_group_users(self, write: CatalogWrite, actor_id: int | None) -> None:
        if write.group_users is not None:
            set_users_of_group(self.store, write.record["id"], write.group_users, actor_id)


def _named(write: CatalogWrite, kind: str, max_length: int) -> None:
    if write.creating:
        write.record.setdefault("name", None)
    write.text("name", max_length)
    if write.creating or "name" in write.body:
        write.validation.required("name", write.record["name"])
    write.check_unique(kind)


def apply_role(write: CatalogWrite) -> None:
    """Apply a role body: ``name`` (unique), ``description``, ``omnipotent``."""
    if write.creating:
        write.record.update({"description": None, "omnipotent": False, "system-role": False})
    _named(write, kinds.ROLE, 255)
    write.text("description")
    write.boolean("omnipotent")


def apply_business_group(write: CatalogWrite) -> None:
    """Apply a content group body: ``name`` (unique, 100 characters), ``description``."""
    if write.creating:
        write.record["description"] = None
    _named(write, kinds.BUSINESS_GROUP, 100)
    write.text("description")


def apply_user_group(write: CatalogWrite) -> None:
    """Apply a user group body; ``users`` replaces the members, named by id, login or email."""
    if write.creating:
        write.record.update({"description": None, "active": True, "can-approve": False})
    _named(write, kinds.USER_GROUP, 255)
    write.text("description")
    write.boolean("active")
    write.boolean("can-approve")

    if "users" in write.body:
        users = write.store.all(kinds.USER)
        ids = resolve_many(write.validation, users, _GROUP_USERS, write.body["users"])
        if ids is not INVALID:
            write.group_users = set(ids)


def apply_account_type(write: CatalogWrite) -> None:
    """Apply a chart of accounts body: ``name`` (unique), ``currency``, ``active``."""
    if write.creating:
        write.record.update(
            {"active": True, "currency-id": None, "legal-entity-name": None, "dynamic-flag": False}
        )
    _named(write, kinds.ACCOUNT_TYPE, 50)
    write.boolean("active")
    write.required_reference(_CURRENCY, write.store.all(kinds.CURRENCY))


def apply_account(write: CatalogWrite) -> None:
    """Apply an account body; the chart and the segments are set on creation only."""
    record = write.record
    if write.creating:
        record.update({"name": None, "active": True, "account-type-id": None})
        record.update({segment: None for segment in SEGMENTS})
        for segment in SEGMENTS:
            write.text(segment, 100)
        write.required_reference(_ACCOUNT_TYPE, write.store.all(kinds.ACCOUNT_TYPE))
        write.validation.required("segment-1", record["segment-1"])

    write.text("name")
    write.boolean("active")
    if write.creating and not write.validation.messages:
        _check_account_code(write)


def _check_account_code(write: CatalogWrite) -> None:
    record = write.record
    code = account_code(record).casefold()
    for other in write.store.all(kinds.ACCOUNT):
        same_chart = other["account-type-id"] == record["account-type-id"]
        if same_chart and account_code(other).casefold() == code:
            write.validation.add("Code has already been taken")
            return


def apply_account_group(write: CatalogWrite) -> None:
    """Apply an account group body: ``name`` (unique), ``account-group-type``, ``account-type``."""
    if write.creating:
        write.record.update({"account-group-type": 1, "account-type-id": None})
    _named(write, kinds.ACCOUNT_GROUP, 80)
    write.choice("account-group-type", (1, 2))
    write.required_reference(_ACCOUNT_TYPE, write.store.all(kinds.ACCOUNT_TYPE))


def apply_approval_limit(write: CatalogWrite) -> None:
    """Apply an approval limit body (creation only): ``amount``, ``subject``, ``currency``.

    The name is built as ``<amount> <currency code>``, such as ``1000.00 USD``.
    """
    record, validation = write.record, write.validation
    record.update({"amount": None, "subject": None, "currency-id": None, "name": None})
    amount = _amount(write.body.get("amount"), validation)
    subject = write.body.get("subject")
    if subject not in SUBJECTS:
        validation.add("Subject must be one of " + ", ".join(SUBJECTS))
    write.required_reference(_CURRENCY, write.store.all(kinds.CURRENCY))
    if validation.messages:
        return

    currency = write.store.get(kinds.CURRENCY, record["currency-id"])
    assert currency is not None
    record.update({"amount": amount, "subject": subject, "name": f"{amount} {currency['code']}"})
    for other in write.store.all(kinds.APPROVAL_LIMIT):
        if other["subject"] == subject and other["name"] == record["name"]:
            validation.add("Name has already been taken")


def _amount(value: Any, validation: Validation) -> str | None:
    if value is None or isinstance(value, bool):
        validation.add("Amount can't be blank")
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        validation.add("Amount is not a number")
        return None
    if not amount.is_finite() or amount < 0:
        validation.add("Amount must be greater than or equal to 0")
        return None
    return str(amount.quantize(Decimal("0.01")))


def apply_address(write: CatalogWrite) -> None:
    """Apply an address body (creation only); ``location-code`` must be unique when given."""
    fields = address_fields(write.validation, write.body)
    if fields is INVALID:
        return
    write.record.update(fields)
    write.check_unique(kinds.ADDRESS, "location-code")


APPLIERS: dict[str, Applier] = {
    kinds.ROLE: apply_role,
    kinds.BUSINESS_GROUP: apply_business_group,
    kinds.USER_GROUP: apply_user_group,
    kinds.ACCOUNT_TYPE: apply_account_type,
    kinds.ACCOUNT: apply_account,
    kinds.ACCOUNT_GROUP: apply_account_group,
    kinds.APPROVAL_LIMIT: apply_approval_limit,
    kinds.ADDRESS: apply_address,
}
