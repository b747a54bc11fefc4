"""The attributes of every object the emulator sends, with their types.

Index filters, ``order_by``, ``fields`` and ``return_object`` are checked and
evaluated against these schemas, and the renderers build objects with exactly
these keys in this order.
"""

from __future__ import annotations

from dataclasses import dataclass

INT = "int"
STRING = "string"
BOOLEAN = "boolean"
TIME = "time"
DECIMAL = "decimal"
JSON = "json"


@dataclass(frozen=True)
class FieldType:
    """The type of one attribute: a scalar, or an object or list of a nested schema."""

    scalar: str | None = None
    nested: str | None = None
    many: bool = False


def _scalar(kind: str) -> FieldType:
    return FieldType(scalar=kind)


def _one(schema: str) -> FieldType:
    return FieldType(nested=schema)


def _many(schema: str) -> FieldType:
    return FieldType(nested=schema, many=True)


Schema = dict[str, FieldType]

LICENCE_FIELDS = (
    "purchasing-user",
    "expense-user",
    "sourcing-user",
    "inventory-user",
    "contracts-user",
    "analytics-user",
    "invoicing-user",
    "aic-user",
    "spend-guard-user",
    "ccw-user",
    "clm-advanced-user",
    "supply-chain-user",
    "risk-assess-user",
    "travel-user",
    "treasury-user",
    "category-planner-user",
    "category-strategy-user",
    "intake-user",
    "coupa-navi-ai-agent-user",
)

APPROVAL_LIMIT_SUBJECTS = {
    "requisition-approval-limit": "requisition_header",
    "requisition-self-approval-limit": "requisition_header",
    "expense-approval-limit": "expense_report",
    "expense-self-approval-limit": "expense_report",
    "invoice-approval-limit": "invoice_header",
    "invoice-self-approval-limit": "invoice_header",
    "contract-approval-limit": "contract_header",
    "contract-self-approval-limit": "contract_header",
    "work-confirmation-approval-limit": "work_confirmation",
}
"""Each approval limit field of a user and the ``subject`` of the limits it may hold."""

SEGMENTS = tuple(f"segment-{number}" for number in range(1, 21))

_STAMPS: Schema = {"created-at": _scalar(TIME), "updated-at": _scalar(TIME)}
_AUTHORS: Schema = {"created-by": _one("user_simple"), "updated-by": _one("user_simple")}

USER_SIMPLE: Schema = {
    "id": _scalar(INT),
    "login": _scalar(STRING),
    "email": _scalar(STRING),
    "firstname": _scalar(STRING),
    "lastname": _scalar(STRING),
    "fullname": _scalar(STRING),
    "employee-number": _scalar(STRING),
    "avatar-thumb-url": _scalar(STRING),
    **_STAMPS,
}

CURRENCY_SIMPLE: Schema = {
    "id": _scalar(INT),
    "code": _scalar(STRING),
    "decimals": _scalar(INT),
}

CURRENCY: Schema = {
    "id": _scalar(INT),
    "code": _scalar(STRING),
    "name": _scalar(STRING),
    "symbol": _scalar(STRING),
    "enabled": _scalar(BOOLEAN),
    "decimals": _scalar(INT),
}

COUNTRY: Schema = {"id": _scalar(INT), "code": _scalar(STRING), "name": _scalar(STRING)}

DEPARTMENT: Schema = {"id": _scalar(INT), "name": _scalar(STRING), "active": _scalar(BOOLEAN)}

ROLE: Schema = {
    "id": _scalar(INT),
    **_STAMPS,
    "name": _scalar(STRING),
    "description": _scalar(STRING),
    "omnipotent": _scalar(BOOLEAN),
    "system-role": _scalar(BOOLEAN),
    **_AUTHORS,
}

BUSINESS_GROUP: Schema = {
    "id": _scalar(INT),
    "name": _scalar(STRING),
    "description": _scalar(STRING),
    **_STAMPS,
    **_AUTHORS,
}

_USER_GROUP_FIELDS: Schema = {
    "id": _scalar(INT),
    "name": _scalar(STRING),
    "description": _scalar(STRING),
    "active": _scalar(BOOLEAN),
    "can-approve": _scalar(BOOLEAN),
    "mention-name": _scalar(STRING),
}

USER_GROUP_SIMPLE: Schema = {**_USER_GROUP_FIELDS, **_STAMPS}

USER_GROUP: Schema = {**_USER_GROUP_FIELDS, "users": _many("user_simple"), **_STAMPS}

MEMBERSHIP: Schema = {
    "id": _scalar(INT),
    "user-id": _scalar(INT),
    "user-group-id": _scalar(INT),
    "user": _one("user_simple"),
    "user-group": _one("user_group_simple"),
    "owner": _scalar(BOOLEAN),
    **_STAMPS,
}

ACCOUNT_TYPE: Schema = {
    "id": _scalar(INT),
    "name": _scalar(STRING),
    "active": _scalar(BOOLEAN),
    "currency": _one("currency_simple"),
    "legal-entity-name": _scalar(STRING),
    "dynamic-flag": _scalar(BOOLEAN),
    **_STAMPS,
    **_AUTHORS,
}

ACCOUNT: Schema = {
    "id": _scalar(INT),
    "name": _scalar(STRING),
    "code": _scalar(STRING),
    "active": _scalar(BOOLEAN),
    "account-type-id": _scalar(INT),
    "account-type": _one("account_type"),
    **{segment: _scalar(STRING) for segment in SEGMENTS},
    **_STAMPS,
    **_AUTHORS,
}

ACCOUNT_GROUP: Schema = {
    "id": _scalar(INT),
    "name": _scalar(STRING),
    "account-group-type": _scalar(INT),
    "account-type": _one("account_type"),
    **_STAMPS,
    **_AUTHORS,
}

APPROVAL_LIMIT: Schema = {
    "id": _scalar(INT),
    "name": _scalar(STRING),
    "amount": _scalar(DECIMAL),
    "subject": _scalar(STRING),
    "currency": _one("currency_simple"),
    **_STAMPS,
    **_AUTHORS,
}

ADDRESS: Schema = {
    "id": _scalar(INT),
    "name": _scalar(STRING),
    "location-code": _scalar(STRING),
    "street1": _scalar(STRING),
    "street2": _scalar(STRING),
    "street3": _scalar(STRING),
    "street4": _scalar(STRING),
    "city": _scalar(STRING),
    "state": _scalar(STRING),
    "postal-code": _scalar(STRING),
    "attention": _scalar(STRING),
    "active": _scalar(BOOLEAN),
    "country": _one("country"),
    "vat-number": _scalar(STRING),
    "local-tax-number": _scalar(STRING),
    **_STAMPS,
    **_AUTHORS,
}

USER: Schema = {
    "id": _scalar(INT),
    **_STAMPS,
    "login": _scalar(STRING),
    "email": _scalar(STRING),
    **{licence: _scalar(BOOLEAN) for licence in LICENCE_FIELDS},
    "employee-number": _scalar(STRING),
    "firstname": _scalar(STRING),
    "lastname": _scalar(STRING),
    "fullname": _scalar(STRING),
    "middlename": _scalar(STRING),
    "api-user": _scalar(BOOLEAN),
    "account-security-type": _scalar(INT),
    "authentication-method": _scalar(STRING),
    "sso-identifier": _scalar(STRING),
    "default-locale": _scalar(STRING),
    "business-group-security-type": _scalar(INT),
    "avatar-thumb-url": _scalar(STRING),
    "mention-name": _scalar(STRING),
    "active": _scalar(BOOLEAN),
    "roles": _many("role"),
    "manager": _one("user_simple"),
    "default-address": _one("address"),
    "default-account": _one("account"),
    "default-account-type": _one("account_type"),
    "default-currency": _one("currency_simple"),
    "department": _one("department"),
    **{limit: _one("approval_limit") for limit in APPROVAL_LIMIT_SUBJECTS},
    "content-groups": _many("business_group"),
    "account-groups": _many("account_group"),
    "approval-groups": _many("user_group_simple"),
    "user-groups": _many("user_group_simple"),
    **_AUTHORS,
    "custom-fields": _scalar(JSON),
}

SCHEMAS: dict[str, Schema] = {
    "user": USER,
    "user_simple": USER_SIMPLE,
    "currency": CURRENCY,
    "currency_simple": CURRENCY_SIMPLE,
    "country": COUNTRY,
    "department": DEPARTMENT,
    "role": ROLE,
    "business_group": BUSINESS_GROUP,
    "user_group": USER_GROUP,
    "user_group_simple": USER_GROUP_SIMPLE,
    "user_group_membership": MEMBERSHIP,
    "account_type": ACCOUNT_TYPE,
    "account": ACCOUNT,
    "account_group": ACCOUNT_GROUP,
    "approval_limit": APPROVAL_LIMIT,
    "address": ADDRESS,
}

FILTER_ONLY: dict[str, Schema] = {"user": {"status": _scalar(STRING)}}
"""Attributes that index queries accept but objects do not carry: ``status=active|inactive``."""

NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "user": ("login", "email"),
    "user_simple": ("login", "email"),
    "currency": ("code",),
    "currency_simple": ("code",),
    "country": ("code",),
    "department": ("name",),
    "role": ("name",),
    "business_group": ("name",),
    "user_group": ("name",),
    "user_group_simple": ("name",),
    "user_group_membership": ("user-id", "user-group-id"),
    "account_type": ("name",),
    "account": ("code",),
    "account_group": ("name",),
    "approval_limit": ("name",),
    "address": ("location-code",),
}
"""Attributes kept, besides ``id``, when ``return_object=shallow`` reduces an association."""


def filter_schema(name: str) -> Schema:
    """Return the schema that index queries on ``name`` are checked against."""
    return {**SCHEMAS[name], **FILTER_ONLY.get(name, {})}
