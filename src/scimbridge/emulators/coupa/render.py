"""Rendering of stored records as the JSON objects the Coupa API sends.

Every renderer returns exactly the keys of its schema in
:mod:`scimbridge.emulators.coupa.schemas`, in that order, because it fills the
schema's keys one by one. References stored as ids are expanded into nested
objects, and timestamps are converted to the instance time zone.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from scimbridge.emulators.coupa import schemas
from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.schemas import APPROVAL_LIMIT_SUBJECTS, SEGMENTS, Schema
from scimbridge.emulators.coupa.seed import COUNTRIES
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.coupa.timestamps import to_zone
from scimbridge.emulators.state import Document

Rendered = dict[str, Any]

_STAMPS = ("created-at", "updated-at")
_AUTHORS = ("created-by", "updated-by")


def account_code(account: Document) -> str:
    """Return an account's code: its non-empty segments joined by ``-``."""
    return "-".join(str(account[segment]) for segment in SEGMENTS if account.get(segment))


def fullname(user: Document) -> str:
    """Return ``firstname lastname``, as Coupa builds ``fullname``."""
    return f"{user['firstname'] or ''} {user['lastname'] or ''}".strip()


class Renderer:
    """Builds the JSON objects of one instance's records."""

    def __init__(self, store: Store, zone: ZoneInfo) -> None:
        self.store = store
        self.zone = zone

    def render(self, kind: str, record: Document) -> Rendered:
        """Render a top-level record of ``kind`` (a storage kind)."""
        renderers = {
            kinds.USER: self.user,
            kinds.ROLE: self.role,
            kinds.BUSINESS_GROUP: self.business_group,
            kinds.USER_GROUP: self.user_group,
            kinds.MEMBERSHIP: self.membership,
            kinds.ACCOUNT_TYPE: self.account_type,
            kinds.ACCOUNT: self.account,
            kinds.ACCOUNT_GROUP: self.account_group,
            kinds.APPROVAL_LIMIT: self.approval_limit,
            kinds.ADDRESS: self.address,
            kinds.CURRENCY: self.currency,
        }
        return renderers[kind](record)

    def _fill(self, schema: Schema, record: Document, computed: Rendered) -> Rendered:
        """Build an object with the keys of ``schema``, in order.

        A key takes its value from ``computed`` first, then from the converted
        stamps and the expanded authors, then from the stored attribute of that name.
        """
        values: Rendered = {}
        if "created-at" in schema:
            values.update(self._stamps(record))
        if "created-by" in schema:
            values.update(self._authors(record))
        values.update(computed)
        return {name: values[name] if name in values else record[name] for name in schema}

    def _stamps(self, record: Document) -> Rendered:
        return {name: to_zone(record.get(name), self.zone) for name in _STAMPS}

    def _authors(self, record: Document) -> Rendered:
        return {name: self._user_ref(record.get(name + "-id")) for name in _AUTHORS}

    def _ref(self, kind: str, record_id: int | None) -> Document | None:
        return None if record_id is None else self.store.get(kind, record_id)

    def _user_ref(self, user_id: int | None) -> Rendered | None:
        user = self._ref(kinds.USER, user_id)
        return None if user is None else self.user_simple(user)

    def user_simple(self, user: Document) -> Rendered:
        """Render the short user form used for managers, authors and group members."""
        return self._fill(
            schemas.USER_SIMPLE, user, {"fullname": fullname(user), "avatar-thumb-url": None}
        )

    def currency(self, currency: Document) -> Rendered:
        """Render a currency as ``/api/currencies`` sends it."""
        return self._fill(schemas.CURRENCY, currency, {})

    def currency_simple(self, currency_id: int | None) -> Rendered | None:
        """Render the short currency form embedded in other objects."""
        currency = self._ref(kinds.CURRENCY, currency_id)
        if currency is None:
            return None
        return self._fill(schemas.CURRENCY_SIMPLE, currency, {})

    def role(self, role: Document) -> Rendered:
        """Render a role."""
        return self._fill(schemas.ROLE, role, {})

    def business_group(self, group: Document) -> Rendered:
        """Render a content group (Coupa's business group)."""
        return self._fill(schemas.BUSINESS_GROUP, group, {})

    def user_group_simple(self, group: Document) -> Rendered:
        """Render a user group without ``users``, the form embedded in users and memberships."""
        return self._fill(schemas.USER_GROUP_SIMPLE, group, {})

    def user_group(self, group: Document) -> Rendered:
        """Render a user group with its members in ``users``."""
        members = []
        for membership in self.store.memberships_of_group(group["id"]):
            user = self.store.get(kinds.USER, membership["user-id"])
            if user is not None:
                members.append(self.user_simple(user))
        return self._fill(schemas.USER_GROUP, group, {"users": members})

    def membership(self, membership: Document) -> Rendered:
        """Render a user group membership."""
        user = self.store.get(kinds.USER, membership["user-id"])
        group = self.store.get(kinds.USER_GROUP, membership["user-group-id"])
        computed = {
            "user": None if user is None else self.user_simple(user),
            "user-group": None if group is None else self.user_group_simple(group),
        }
        return self._fill(schemas.MEMBERSHIP, membership, computed)

    def account_type(self, chart: Document) -> Rendered:
        """Render a chart of accounts (Coupa's account type)."""
        currency = self.currency_simple(chart["currency-id"])
        return self._fill(schemas.ACCOUNT_TYPE, chart, {"currency": currency})

    def _account_type_ref(self, chart_id: int | None) -> Rendered | None:
        chart = self._ref(kinds.ACCOUNT_TYPE, chart_id)
        return None if chart is None else self.account_type(chart)

    def account(self, account: Document) -> Rendered:
        """Render an account with its chart of accounts and its twenty segments."""
        computed = {
            "code": account_code(account),
            "account-type": self._account_type_ref(account["account-type-id"]),
            **{segment: account.get(segment) for segment in SEGMENTS},
        }
        return self._fill(schemas.ACCOUNT, account, computed)

    def account_group(self, group: Document) -> Rendered:
        """Render an account group."""
        chart = self._account_type_ref(group["account-type-id"])
        return self._fill(schemas.ACCOUNT_GROUP, group, {"account-type": chart})

    def approval_limit(self, limit: Document) -> Rendered:
        """Render an approval limit; ``amount`` is a decimal string, as Coupa sends it."""
        currency = self.currency_simple(limit["currency-id"])
        return self._fill(schemas.APPROVAL_LIMIT, limit, {"currency": currency})

    def address(self, address: Document) -> Rendered:
        """Render an address with its country object."""
        country = COUNTRIES.get(address["country-id"])
        computed = {"country": None if country is None else dict(country)}
        return self._fill(schemas.ADDRESS, address, computed)

    def user(self, user: Document) -> Rendered:
        """Render a full user; ``default-currency`` is USD when none was ever set."""
        groups = self.user_groups(user["id"])
        computed: Rendered = {
            "fullname": fullname(user),
            "avatar-thumb-url": None,
            **self._user_references(user),
            "content-groups": self._many(
                kinds.BUSINESS_GROUP, user["content-group-ids"], self.business_group
            ),
            "account-groups": self._many(
                kinds.ACCOUNT_GROUP, user["account-group-ids"], self.account_group
            ),
            "approval-groups": [
                self.user_group_simple(group) for group in groups if group["can-approve"]
            ],
            "user-groups": [self.user_group_simple(group) for group in groups],
            "custom-fields": dict(user["custom-fields"]),
        }
        return self._fill(schemas.USER, user, computed)

    def _user_references(self, user: Document) -> Rendered:
        address = self._ref(kinds.ADDRESS, user["default-address-id"])
        account = self._ref(kinds.ACCOUNT, user["default-account-id"])
        references: Rendered = {
            "roles": self._many(kinds.ROLE, user["role-ids"], self.role),
            "manager": self._user_ref(user["manager-id"]),
            "default-address": None if address is None else self.address(address),
            "default-account": None if account is None else self.account(account),
            "default-account-type": self._account_type_ref(user["default-account-type-id"]),
            "default-currency": self.currency_simple(user["default-currency-id"] or 1),
            "department": None,
        }
        for field in APPROVAL_LIMIT_SUBJECTS:
            limit = self._ref(kinds.APPROVAL_LIMIT, user[field + "-id"])
            references[field] = None if limit is None else self.approval_limit(limit)
        return references

    def user_groups(self, user_id: int) -> list[Document]:
        """Return the user groups the user is a member of, in group id order."""
        groups = []
        for membership in self.store.memberships_of_user(user_id):
            group = self.store.get(kinds.USER_GROUP, membership["user-group-id"])
            if group is not None:
                groups.append(group)
        return groups

    def _many(self, kind: str, ids: list[int], render: Any) -> list[Rendered]:
        found = [self.store.get(kind, record_id) for record_id in ids]
        return [render(record) for record in found if record is not None]
