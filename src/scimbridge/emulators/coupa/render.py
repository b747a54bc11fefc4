"""Rendering of stored records as the JSON objects the Coupa API sends.

Every renderer returns exactly the keys of its schema in
:mod:`scimbridge.emulators.coupa.schemas`, in that order, because it fills the
schema's keys one by one. References stored as ids are expanded into nested
objects, and timestamps are converted to the instance time zone.

Each schema has a plan: for every key, in schema order, the function that
computes its value from the stored record. A partial renderer runs the functions
of a few keys only, so an index call can filter and order on those keys without
expanding the references of every record.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import partial
from operator import itemgetter, methodcaller
from typing import Any
from zoneinfo import ZoneInfo

from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.schemas import APPROVAL_LIMIT_SUBJECTS, SCHEMAS, SEGMENTS
from scimbridge.emulators.coupa.seed import COUNTRIES
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.coupa.timestamps import to_zone
from scimbridge.emulators.state import Document

Rendered = dict[str, Any]

Compute = Callable[[Document], Any]
"""A function that computes one key of a rendered object from the stored record."""

Plan = dict[str, Compute]

_STAMPS = ("created-at", "updated-at")
_AUTHORS = ("created-by", "updated-by")

_USER_SIMPLE = "user_simple"
_CURRENCY_SIMPLE = "currency_simple"
_USER_GROUP_SIMPLE = "user_group_simple"


def account_code(account: Document) -> str:
    """Return an account's code: its non-empty segments joined by ``-``."""
    return "-".join(str(account[segment]) for segment in SEGMENTS if account.get(segment))


def fullname(user: Document) -> str:
    """Return ``firstname lastname``, as Coupa builds ``fullname``."""
    return f"{user['firstname'] or ''} {user['lastname'] or ''}".strip()


def _none(record: Document) -> None:
    return None


def _country(address: Document) -> Rendered | None:
    country = COUNTRIES.get(address["country-id"])
    return None if country is None else dict(country)


class Renderer:
    """Builds the JSON objects of one instance's records."""

    def __init__(self, store: Store, zone: ZoneInfo) -> None:
        self.store = store
        self.zone = zone
        computed = self._computed_keys()
        self._plans = {name: self._plan(name, keys) for name, keys in computed.items()}

    def render(self, kind: str, record: Document) -> Rendered:
        """Render a top-level record of ``kind`` (a storage kind)."""
        return self._fill(kind, record)

    def partial_renderer(self, kind: str, names: Collection[str]) -> Callable[[Document], Rendered]:
        """Return a function that renders only the keys ``names`` of a ``kind`` record.

        Each key has the value a full render gives it, and the keys keep schema
        order. Names that are not keys of the schema are left out.
        """
        selected = [(name, compute) for name, compute in self._plans[kind].items() if name in names]

        def render(record: Document) -> Rendered:
            return {name: compute(record) for name, compute in selected}

        return render

    def _fill(self, schema_name: str, record: Document) -> Rendered:
        return {name: compute(record) for name, compute in self._plans[schema_name].items()}

    def _plan(self, schema_name: str, computed: Plan) -> Plan:
        """Build the plan of a schema.

        A key takes its value from ``computed`` first, then from the converted
        stamps and the expanded authors, then from the stored attribute of that name.
        """
        schema = SCHEMAS[schema_name]
        plan: Plan = {}
        for name in schema:
            if name in computed:
                plan[name] = computed[name]
            elif name in _STAMPS and "created-at" in schema:
                plan[name] = partial(self._stamp, name)
            elif name in _AUTHORS and "created-by" in schema:
                plan[name] = partial(self._author, name)
            else:
                plan[name] = itemgetter(name)
        return plan

    def _computed_keys(self) -> dict[str, Plan]:
        """Return, for every schema a renderer fills, the keys that are not stored as sent."""
        return {
            kinds.USER: self._user_keys(),
            _USER_SIMPLE: {"fullname": fullname, "avatar-thumb-url": _none},
            kinds.CURRENCY: {},
            _CURRENCY_SIMPLE: {},
            kinds.ROLE: {},
            kinds.BUSINESS_GROUP: {},
            _USER_GROUP_SIMPLE: {},
            kinds.USER_GROUP: {"users": self._group_members},
            kinds.MEMBERSHIP: {
                "user": lambda membership: self._user_ref(membership["user-id"]),
                "user-group": self._membership_group,
            },
            kinds.ACCOUNT_TYPE: {
                "currency": lambda chart: self.currency_simple(chart["currency-id"])
            },
            kinds.ACCOUNT: {
                "code": account_code,
                "account-type": lambda account: self._account_type_ref(account["account-type-id"]),
                **{segment: methodcaller("get", segment) for segment in SEGMENTS},
            },
            kinds.ACCOUNT_GROUP: {
                "account-type": lambda group: self._account_type_ref(group["account-type-id"])
            },
            kinds.APPROVAL_LIMIT: {
                "currency": lambda limit: self.currency_simple(limit["currency-id"])
            },
            kinds.ADDRESS: {"country": _country},
        }

    def _user_keys(self) -> Plan:
        """Return the computed keys of a full user. ``default-currency`` is USD when never set."""
        keys: Plan = {
            "fullname": fullname,
            "avatar-thumb-url": _none,
            "roles": lambda user: self._many(kinds.ROLE, user["role-ids"]),
            "manager": lambda user: self._user_ref(user["manager-id"]),
            "default-address": lambda user: self._ref(kinds.ADDRESS, user["default-address-id"]),
            "default-account": lambda user: self._ref(kinds.ACCOUNT, user["default-account-id"]),
            "default-account-type": lambda user: self._account_type_ref(
                user["default-account-type-id"]
            ),
            "default-currency": lambda user: self.currency_simple(user["default-currency-id"] or 1),
            "department": _none,
            "content-groups": lambda user: self._many(
                kinds.BUSINESS_GROUP, user["content-group-ids"]
            ),
            "account-groups": lambda user: self._many(
                kinds.ACCOUNT_GROUP, user["account-group-ids"]
            ),
            "approval-groups": lambda user: [
                self.user_group_simple(group)
                for group in self.user_groups(user["id"])
                if group["can-approve"]
            ],
            "user-groups": lambda user: [
                self.user_group_simple(group) for group in self.user_groups(user["id"])
            ],
            "custom-fields": lambda user: dict(user["custom-fields"]),
        }
        for field in APPROVAL_LIMIT_SUBJECTS:
            keys[field] = partial(self._approval_limit_of, field)
        return keys

    def _stamp(self, name: str, record: Document) -> str | None:
        return to_zone(record.get(name), self.zone)

    def _author(self, name: str, record: Document) -> Rendered | None:
        return self._user_ref(record.get(name + "-id"))

    def _ref(self, kind: str, record_id: int | None) -> Rendered | None:
        """Render the record of ``kind`` with that id in full, or return None when there is none."""
        record = self._stored(kind, record_id)
        return None if record is None else self._fill(kind, record)

    def _stored(self, kind: str, record_id: int | None) -> Document | None:
        return None if record_id is None else self.store.get(kind, record_id)

    def _user_ref(self, user_id: int | None) -> Rendered | None:
        user = self._stored(kinds.USER, user_id)
        return None if user is None else self.user_simple(user)

    def _account_type_ref(self, chart_id: int | None) -> Rendered | None:
        return self._ref(kinds.ACCOUNT_TYPE, chart_id)

    def _approval_limit_of(self, field: str, user: Document) -> Rendered | None:
        return self._ref(kinds.APPROVAL_LIMIT, user[field + "-id"])

    def _many(self, kind: str, ids: list[int]) -> list[Rendered]:
        found = [self.store.get(kind, record_id) for record_id in ids]
        return [self._fill(kind, record) for record in found if record is not None]

    def _group_members(self, group: Document) -> list[Rendered]:
        members = []
        for membership in self.store.memberships_of_group(group["id"]):
            user = self.store.get(kinds.USER, membership["user-id"])
            if user is not None:
                members.append(self.user_simple(user))
        return members

    def _membership_group(self, membership: Document) -> Rendered | None:
        group = self.store.get(kinds.USER_GROUP, membership["user-group-id"])
        return None if group is None else self.user_group_simple(group)

    def user_simple(self, user: Document) -> Rendered:
        """Render the short user form used for managers, authors and group members."""
        return self._fill(_USER_SIMPLE, user)

    def currency_simple(self, currency_id: int | None) -> Rendered | None:
        """Render the short currency form embedded in other objects."""
        currency = self._stored(kinds.CURRENCY, currency_id)
        return None if currency is None else self._fill(_CURRENCY_SIMPLE, currency)

    def business_group(self, group: Document) -> Rendered:
        """Render a content group (Coupa's business group)."""
        return self._fill(kinds.BUSINESS_GROUP, group)

    def user_group_simple(self, group: Document) -> Rendered:
        """Render a user group without ``users``, the form embedded in users and memberships."""
        return self._fill(_USER_GROUP_SIMPLE, group)

    def membership(self, membership: Document) -> Rendered:
        """Render a user group membership."""
        return self._fill(kinds.MEMBERSHIP, membership)

    def user_groups(self, user_id: int) -> list[Document]:
        """Return the user groups the user is a member of, in group id order."""
        groups = []
        for membership in self.store.memberships_of_user(user_id):
            group = self.store.get(kinds.USER_GROUP, membership["user-group-id"])
            if group is not None:
                groups.append(group)
        return groups
