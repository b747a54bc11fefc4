"""The sandbox records, written with fixed ids to a new instance on its first start.

The ids are part of the emulator's documented interface, so tests and connector
set-ups may refer to them: see the Coupa section of docs/emulators.md.
"""

from __future__ import annotations

from typing import Any

from scimbridge.emulators.coupa import store as kinds
from scimbridge.emulators.coupa.schemas import APPROVAL_LIMIT_SUBJECTS, LICENCE_FIELDS, SEGMENTS
from scimbridge.emulators.coupa.store import Store
from scimbridge.emulators.coupa.timestamps import creation_stamps
from scimbridge.emulators.state import Document

API_USER_ID = 1
USER_ROLE_ID = 3

COUNTRIES: dict[int, Document] = {
    country_id: {"id": country_id, "code": code, "name": name}
    for country_id, code, name in (
        (1, "US", "United States"),
        (2, "GB", "United Kingdom"),
        (3, "DE", "Germany"),
        (4, "FR", "France"),
        (5, "CA", "Canada"),
        (6, "IE", "Ireland"),
        (7, "NL", "Netherlands"),
        (8, "ES", "Spain"),
        (9, "IT", "Italy"),
        (10, "JP", "Japan"),
        (11, "AU", "Australia"),
        (12, "IN", "India"),
    )
}
"""Countries that addresses may name by ``code`` or ``name``; the API has no route for them."""

_CURRENCIES = (
    (1, "USD", "US Dollar", "$"),
    (2, "EUR", "Euro", "€"),
    (3, "GBP", "Pound Sterling", "£"),
)
_ROLES = (
    (2, "Admin", "Full access to every part of Coupa", True, True),
    (3, "User", "Standard role given to every user", False, True),
    (4, "Buyer", "Manages requisitions and purchase orders", False, True),
    (5, "Accounts Payable", "Processes invoices and payments", False, True),
    (6, "Expense Approver", "Approves expense reports", False, False),
)
_CONTENT_GROUPS = (
    (1, "Everyone", "Content visible to every user"),
    (2, "Finance", "Finance department content"),
    (3, "IT", "IT department content"),
)
_USER_GROUPS = (
    (1, "Finance Approvers", "financeapprovers", True),
    (2, "IT Team", "itteam", False),
    (3, "Executive Approvers", "executiveapprovers", True),
)
_CHARTS = ((1, "US Chart", 1), (2, "EU Chart", 2))
_ACCOUNTS = (
    (1, "San Francisco Operations", 1, ("SF", "100")),
    (2, "San Francisco Marketing", 1, ("SF", "200")),
    (3, "New York Operations", 1, ("NY", "100")),
    (4, "Paris Operations", 2, ("PAR", "100")),
)
_ACCOUNT_GROUPS = ((1, "US Accounts", 1), (2, "EU Accounts", 2), (3, "US Capex", 1))
_LIMIT_AMOUNTS = ("0.00", "1000.00", "5000.00")


def seed(store: Store) -> None:
    """Write the sandbox records into an empty store."""
    stamps = creation_stamps(API_USER_ID)

    store.put(kinds.USER, _api_user(stamps["created-at"]))
    for currency_id, code, name, symbol in _CURRENCIES:
        store.put(
            kinds.CURRENCY,
            {
                "id": currency_id,
                "code": code,
                "name": name,
                "symbol": symbol,
                "enabled": True,
                "decimals": 2,
            },
        )
    _seed_people_records(store, stamps)
    _seed_accounting(store, stamps)
    _seed_approval_limits(store, stamps)
    store.put(
        kinds.ADDRESS,
        {
            "id": 1,
            "name": "Headquarters",
            "location-code": "HQ-SF",
            "street1": "1 Market St",
            "street2": None,
            "street3": None,
            "street4": None,
            "city": "San Francisco",
            "state": "CA",
            "postal-code": "94105",
            "attention": None,
            "active": True,
            "country-id": 1,
            "vat-number": None,
            "local-tax-number": None,
            **stamps,
        },
    )
    store.mark_seeded()


def _seed_people_records(store: Store, stamps: dict[str, Any]) -> None:
    for role_id, name, description, omnipotent, system_role in _ROLES:
        store.put(
            kinds.ROLE,
            {
                "id": role_id,
                "name": name,
                "description": description,
                "omnipotent": omnipotent,
                "system-role": system_role,
                **stamps,
            },
        )

    for group_id, name, description in _CONTENT_GROUPS:
        store.put(
            kinds.BUSINESS_GROUP,
            {"id": group_id, "name": name, "description": description, **stamps},
        )

    for group_id, name, mention_name, can_approve in _USER_GROUPS:
        store.put(
            kinds.USER_GROUP,
            {
                "id": group_id,
                "name": name,
                "description": None,
                "active": True,
                "can-approve": can_approve,
                "mention-name": mention_name,
                **stamps,
            },
        )


def _seed_accounting(store: Store, stamps: dict[str, Any]) -> None:
    for chart_id, name, currency_id in _CHARTS:
        store.put(
            kinds.ACCOUNT_TYPE,
            {
                "id": chart_id,
                "name": name,
                "active": True,
                "currency-id": currency_id,
                "legal-entity-name": None,
                "dynamic-flag": False,
                **stamps,
            },
        )

    for account_id, name, chart_id, segments in _ACCOUNTS:
        values: dict[str, str | None] = dict.fromkeys(SEGMENTS)
        values.update(zip(SEGMENTS, segments, strict=False))
        store.put(
            kinds.ACCOUNT,
            {
                "id": account_id,
                "name": name,
                "active": True,
                "account-type-id": chart_id,
                **values,
                **stamps,
            },
        )

    for group_id, name, chart_id in _ACCOUNT_GROUPS:
        store.put(
            kinds.ACCOUNT_GROUP,
            {
                "id": group_id,
                "name": name,
                "account-group-type": 1,
                "account-type-id": chart_id,
                **stamps,
            },
        )


def _seed_approval_limits(store: Store, stamps: dict[str, Any]) -> None:
    subjects = list(dict.fromkeys(APPROVAL_LIMIT_SUBJECTS.values()))
    limit_id = 0
    for subject in subjects:
        for amount in _LIMIT_AMOUNTS:
            limit_id += 1
            store.put(
                kinds.APPROVAL_LIMIT,
                {
                    "id": limit_id,
                    "name": f"{amount} USD",
                    "amount": amount,
                    "subject": subject,
                    "currency-id": 1,
                    **stamps,
                },
            )


def _api_user(now: str) -> Document:
    user = new_user_record(API_USER_ID, now, API_USER_ID)
    user.update(
        {
            "login": "integration",
            "email": "integration@sandbox.example.com",
            "firstname": "Integration",
            "lastname": "User",
            "mention-name": "integration",
            "api-user": True,
            "role-ids": [2],
        }
    )
    return user


def new_user_record(user_id: int, now: str, author_id: int | None) -> Document:
    """Build a user record with the default of every attribute; identity fields are None."""
    record: Document = {
        "id": user_id,
        "created-at": now,
        "updated-at": now,
        "login": None,
        "email": None,
        "firstname": None,
        "lastname": None,
        "middlename": None,
        "employee-number": None,
        "mention-name": None,
        "active": True,
        "authentication-method": "coupa_credentials",
        "sso-identifier": None,
        "default-locale": None,
        "api-user": False,
        "account-security-type": 0,
        "business-group-security-type": 0,
        "role-ids": [USER_ROLE_ID],
        "manager-id": None,
        "default-address-id": None,
        "default-account-id": None,
        "default-account-type-id": None,
        "default-currency-id": None,
        "content-group-ids": [],
        "account-group-ids": [],
        "created-by-id": author_id,
        "updated-by-id": author_id,
        "custom-fields": {},
    }
    for licence in LICENCE_FIELDS:
        record[licence] = False
    for limit in APPROVAL_LIMIT_SUBJECTS:
        record[limit + "-id"] = None
    return record
