"""Each Coupa mapping row, checked over HTTP in both directions against the emulator's records.

Writable User rows are written by POST, PATCH and PUT and found in the Coupa
user. Every row is also read back after a change made on Coupa directly. The
case tables are checked against ``USER_ROWS``, so a new row without a case
fails ``test_every_writable_row_has_case`` or ``test_every_read_only_row_has_case``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from scimbridge.connectors.coupa.mappings import (
    ACCOUNT_GROUP_ROWS,
    ACCOUNT_GROUP_SCHEMA,
    GROUP_ROWS,
    GROUP_SCHEMA,
    ROLE_ROWS,
    ROLE_SCHEMA,
    USER_GROUP_ROWS,
    USER_GROUP_SCHEMA,
    USER_ROWS,
)
from scimbridge.mapping.rows import Const, Direction, Reference, Row
from tests.integration.conftest import assert_scim_error
from tests.integration.coupa_stack import COUPA, ENTERPRISE, CoupaStack, coupa_user

ENTERPRISE_ATTR = ENTERPRISE + ":"
COUPA_ATTR = COUPA + ":"

HELPER_ID = "100"
"""Coupa id of the user the ``mapped`` fixture creates directly on Coupa, a manager to point at."""

SECOND_ADDRESS_CODE = "HQ-NY"
"""Location code of the shared address the ``mapped`` fixture adds beside the seed's HQ-SF."""

BASE_ADDRESS = {
    "type": "work",
    "streetAddress": "1 First St",
    "locality": "Springfield",
    "region": "IL",
    "postalCode": "62701",
    "country": "US",
}

OWN_ADDRESS = {
    "street1": "30 Direct St",
    "city": "Madison",
    "state": "WI",
    "postal-code": "53703",
    "country": {"code": "DE"},
}
"""A default address set on Coupa directly; each part differs from every SCIM case value."""


@pytest.fixture
def mapped(coupa: CoupaStack) -> CoupaStack:
    """A Coupa stack with a second user (the manager candidate) and a second shared address."""
    helper = coupa.target_post(
        "/users",
        {
            "login": "helper",
            "email": "helper@example.com",
            "firstname": "Hal",
            "lastname": "Helper",
        },
    )
    assert str(helper["id"]) == HELPER_ID

    coupa.target_post(
        "/addresses",
        {
            "name": "New York office",
            "location-code": SECOND_ADDRESS_CODE,
            "street1": "5 Broadway",
            "city": "New York",
            "state": "NY",
            "postal-code": "10004",
            "country": {"code": "US"},
        },
    )
    return coupa


# Reading and writing values at a row's SCIM path or Coupa field -----------------------------


def _split_extension(path: str) -> tuple[str | None, str]:
    if path.startswith("urn:"):
        schema, _, attribute = path.rpartition(":")
        return schema, attribute
    return None, path


def scim_value(resource: Mapping[str, Any], path: str) -> Any:
    """Return the value at a row path: ``a.b``, ``a[0].b``, ``a[].b`` (a list) or ``urn:..:a``."""
    schema, attribute = _split_extension(path)
    holder: Any = resource.get(schema, {}) if schema else resource

    head, _, sub = attribute.partition(".")
    if head.endswith("[]"):
        entries = holder.get(head[:-2]) or []
        return [entry.get(sub) for entry in entries]
    if head.endswith("[0]"):
        entries = holder.get(head[:-3]) or []
        return entries[0].get(sub) if entries else None

    value = holder.get(head)
    if sub and isinstance(value, Mapping):
        return value.get(sub)
    return None if sub else value


def with_scim_value(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set ``value`` at a row path of ``body`` in place and return ``body``.

    A ``a[].value`` path takes a list of ids; ``a[0].b`` sets ``b`` on the
    first entry, creating it when the list is empty.
    """
    schema, attribute = _split_extension(path)
    holder = body.setdefault(schema, {}) if schema else body
    if schema and schema not in body.setdefault("schemas", []):
        body["schemas"].append(schema)

    head, _, sub = attribute.partition(".")
    if head.endswith("[]"):
        holder[head[:-2]] = [{sub: item} for item in value]
    elif head.endswith("[0]"):
        entries = holder.setdefault(head[:-3], [])
        if not entries:
            entries.append({})
        entries[0][sub] = value
    elif sub:
        holder.setdefault(head, {})[sub] = value
    else:
        holder[head] = value
    return body


def patch_operation(path: str, value: Any, current: Mapping[str, Any]) -> dict[str, Any]:
    """Build the replace operation that sets a row path to ``value``.

    A list such as ``addresses`` or ``roles`` is replaced as a whole. For an
    ``a[0].b`` path the new list is ``current``'s entries with ``b`` changed
    in the first one, so the other sub-attributes keep their values.
    """
    schema, attribute = _split_extension(path)
    prefix = f"{schema}:" if schema else ""
    head, _, sub = attribute.partition(".")

    if head.endswith("[]"):
        entries = [{sub: item} for item in value]
        return {"op": "replace", "path": prefix + head[:-2], "value": entries}
    if head.endswith("[0]"):
        entries = copy.deepcopy(current[head[:-3]])
        entries[0][sub] = value
        return {"op": "replace", "path": prefix + head[:-3], "value": entries}
    return {"op": "replace", "path": path, "value": value}


def coupa_value(user: Mapping[str, Any], name: str) -> Any:
    """Return a Coupa field: dotted names reach into objects, ``list[].id`` lists the ids."""
    if name.endswith("[].id"):
        entries = user.get(name[: -len("[].id")]) or []
        return [entry["id"] for entry in entries]

    value: Any = user
    for part in name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def expand(value: Any, scim_base: str) -> Any:
    """Fill in ``{base}`` in an expected value with the gateway's SCIM base URL."""
    if isinstance(value, str):
        return value.replace("{base}", scim_base)
    if isinstance(value, list):
        return [expand(item, scim_base) for item in value]
    return value


# Discovery: /Schemas and /ResourceTypes -------------------------------------------------------

CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User"

RESOURCE_TYPES = {
    "User": ("/Users", CORE_USER),
    "Group": ("/Groups", GROUP_SCHEMA),
    "Role": ("/Roles", ROLE_SCHEMA),
    "UserGroup": ("/UserGroups", USER_GROUP_SCHEMA),
    "AccountGroup": ("/AccountGroups", ACCOUNT_GROUP_SCHEMA),
}


def _schemas(stack: CoupaStack) -> dict[str, dict[str, Any]]:
    response = stack.scim.get("/Schemas")
    assert response.status_code == 200, response.text
    return {schema["id"]: schema for schema in response.json()["Resources"]}


def _attribute(schema: Mapping[str, Any], dotted: str) -> dict[str, Any]:
    """Return a published attribute, ``a`` or the sub-attribute ``a.b``."""
    head, _, sub = dotted.partition(".")
    found: dict[str, Any] = next(a for a in schema["attributes"] if a["name"] == head)
    if sub:
        found = next(a for a in found["subAttributes"] if a["name"] == sub)
    return found


def _published_place(path: str) -> tuple[str, str]:
    """Return the schema and the dotted attribute under which a row path is published."""
    schema, attribute = _split_extension(path)
    return schema or CORE_USER, attribute.replace("[0]", "").replace("[]", "")


def test_resource_types_published(mapped: CoupaStack) -> None:
    response = mapped.scim.get("/ResourceTypes")

    assert response.status_code == 200, response.text
    published = {item["name"]: item for item in response.json()["Resources"]}
    assert set(published) == set(RESOURCE_TYPES)
    for name, (endpoint, schema) in RESOURCE_TYPES.items():
        assert published[name]["endpoint"] == endpoint, name
        assert published[name]["schema"] == schema, name
    extensions = published["User"]["schemaExtensions"]
    assert extensions == [
        {"schema": ENTERPRISE, "required": False},
        {"schema": COUPA, "required": False},
    ]


def test_schemas_published(mapped: CoupaStack) -> None:
    schemas = _schemas(mapped)

    expected = {CORE_USER, ENTERPRISE, COUPA, *(schema for _, schema in RESOURCE_TYPES.values())}
    assert set(schemas) == expected
    for schema_id in expected:
        single = mapped.scim.get(f"/Schemas/{schema_id}")
        assert single.status_code == 200, single.text
        assert single.json()["id"] == schema_id


def test_user_schema_follows_rows(mapped: CoupaStack) -> None:
    schemas = _schemas(mapped)

    for row in USER_ROWS:
        if row.scim == "id" or row.scim.startswith("meta."):
            continue
        schema_id, dotted = _published_place(row.scim)
        published = _attribute(schemas[schema_id], dotted)
        mutability = "readWrite" if row.writable else "readOnly"
        assert published["type"] == row.type.value, row.scim
        assert published["mutability"] == mutability, row.scim
        assert published["required"] is row.required, row.scim
        assert published["uniqueness"] == row.uniqueness.value, row.scim
        assert published["returned"] == row.returned.value, row.scim


# Hand-written expectations, so that a change to the rows that the generic
# check above would follow still fails here.
PUBLISHED_USER_ATTRIBUTES = [
    (CORE_USER, "userName", "string", "readWrite", {"required": True, "uniqueness": "server"}),
    (CORE_USER, "name.givenName", "string", "readWrite", {"required": True}),
    (CORE_USER, "name.familyName", "string", "readWrite", {"required": True}),
    (CORE_USER, "name.formatted", "string", "readOnly", {"returned": "request"}),
    (CORE_USER, "displayName", "string", "readOnly", {}),
    (CORE_USER, "emails.value", "string", "readWrite", {"required": True}),
    (CORE_USER, "groups", "complex", "readWrite", {"multiValued": True}),
    (CORE_USER, "roles.display", "string", "readOnly", {}),
    (CORE_USER, "active", "boolean", "readWrite", {}),
    (CORE_USER, "preferredLanguage", "string", "readOnly", {}),
    (ENTERPRISE, "employeeNumber", "string", "readWrite", {"uniqueness": "server"}),
    (ENTERPRISE, "manager.value", "string", "readWrite", {"caseExact": True}),
    (COUPA, "authenticationMethod", "string", "readWrite", {}),
    (COUPA, "invoicingUser", "boolean", "readWrite", {}),
    (COUPA, "expenseApprovalLimit", "string", "readWrite", {}),
    (COUPA, "defaultAccountName", "string", "readOnly", {}),
    (COUPA, "defaultAddressCountryName", "string", "readOnly", {}),
    (COUPA, "accountSecurityType", "integer", "readWrite", {}),
    (COUPA, "businessGroupSecurityType", "integer", "readWrite", {}),
    (COUPA, "mentionName", "string", "readWrite", {"uniqueness": "server"}),
    (COUPA, "approvalGroups", "complex", "readWrite", {"multiValued": True}),
    (COUPA, "userGroups.$ref", "reference", "readOnly", {"referenceTypes": ["UserGroup"]}),
]


@pytest.mark.parametrize(
    ("schema_id", "dotted", "type_name", "mutability", "facts"),
    PUBLISHED_USER_ATTRIBUTES,
    ids=[entry[1] for entry in PUBLISHED_USER_ATTRIBUTES],
)
def test_user_attribute_published(
    mapped: CoupaStack,
    schema_id: str,
    dotted: str,
    type_name: str,
    mutability: str,
    facts: dict[str, Any],
) -> None:
    published = _attribute(_schemas(mapped)[schema_id], dotted)

    assert published["type"] == type_name
    assert published["mutability"] == mutability
    for key, value in facts.items():
        assert published[key] == value, key


@pytest.mark.parametrize("name", ["Group", "Role", "UserGroup", "AccountGroup"])
def test_group_like_schema_published(mapped: CoupaStack, name: str) -> None:
    schema = _schemas(mapped)[RESOURCE_TYPES[name][1]]

    assert _attribute(schema, "displayName")["mutability"] == "readOnly"
    members = _attribute(schema, "members")
    assert members["multiValued"] is True
    assert _attribute(schema, "members.value")["mutability"] == "readWrite"
    assert _attribute(schema, "members.value")["returned"] == "request"
    assert _attribute(schema, "members.display")["mutability"] == "readOnly"
    assert _attribute(schema, "members.type")["canonicalValues"] == ["User"]


# Writable User rows ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteCase:
    """Values of one writable row, in SCIM and in Coupa, for every step of a round trip.

    POST and PUT send ``first``, PATCH sends ``second``. ``coupa_set`` is then
    sent to Coupa directly, and a GET must return ``read_back``.
    """

    row: str
    first: Any
    second: Any
    coupa_field: str
    coupa_first: Any
    coupa_second: Any
    coupa_set: dict[str, Any]
    read_back: Any
    base: dict[str, Any] = field(default_factory=dict)
    """Further attributes the POST and PUT carry, which the row depends on."""

    def body(self, index: int) -> dict[str, Any]:
        body = coupa_user(index)
        for path, value in self.base.items():
            with_scim_value(body, path, copy.deepcopy(value))
        return with_scim_value(body, self.row, copy.deepcopy(self.first))


def _text_case(row: str, coupa_field: str, values: tuple[str, str, str], **extra: Any) -> WriteCase:
    first, second, direct = values
    return WriteCase(
        row,
        first,
        second,
        coupa_field,
        first,
        second,
        coupa_set=extra.pop("coupa_set", {coupa_field: direct}),
        read_back=direct,
        **extra,
    )


def _address_case(part: str, coupa_part: str, first: str, second: str) -> WriteCase:
    direct = coupa_value(OWN_ADDRESS, coupa_part)
    return WriteCase(
        f"addresses[0].{part}",
        first,
        second,
        f"default-address.{coupa_part}",
        first,
        second,
        coupa_set={"default-address": OWN_ADDRESS},
        read_back=direct,
        base={"addresses": [BASE_ADDRESS]},
    )


def _membership_case(
    row: str, coupa_list: str, ids: tuple[int, int, int], set_list: str | None = None
) -> WriteCase:
    first, second, direct = ids
    return WriteCase(
        row,
        [str(first)],
        [str(second)],
        f"{coupa_list}[].id",
        [first],
        [second],
        coupa_set={set_list or coupa_list: [{"id": direct}]},
        read_back=[str(direct)],
    )


def _flag_case(name: str, coupa_field: str) -> WriteCase:
    return WriteCase(
        COUPA_ATTR + name,
        True,
        False,
        coupa_field,
        True,
        False,
        {coupa_field: False},
        read_back=False,
    )


def _limit_case(name: str, coupa_field: str) -> WriteCase:
    return WriteCase(
        COUPA_ATTR + name,
        "1000.00 USD",
        "5000.00 USD",
        f"{coupa_field}.name",
        "1000.00 USD",
        "5000.00 USD",
        coupa_set={coupa_field: {"name": "0.00 USD"}},
        read_back="0.00 USD",
    )


LICENCE_FLAGS = (
    ("purchasingUser", "purchasing-user"),
    ("expenseUser", "expense-user"),
    ("sourcingUser", "sourcing-user"),
    ("inventoryUser", "inventory-user"),
    ("contractsUser", "contracts-user"),
    ("analyticsUser", "analytics-user"),
    ("invoicingUser", "invoicing-user"),
)

APPROVAL_LIMITS = (
    ("invoiceApprovalLimit", "invoice-approval-limit"),
    ("invoiceSelfApprovalLimit", "invoice-self-approval-limit"),
    ("requisitionApprovalLimit", "requisition-approval-limit"),
    ("requisitionSelfApprovalLimit", "requisition-self-approval-limit"),
    ("contractApprovalLimit", "contract-approval-limit"),
    ("contractSelfApprovalLimit", "contract-self-approval-limit"),
    ("workConfirmationApprovalLimit", "work-confirmation-approval-limit"),
    ("expenseApprovalLimit", "expense-approval-limit"),
    ("expenseSelfApprovalLimit", "expense-self-approval-limit"),
)

US_CHART = {COUPA_ATTR + "defaultChartOfAccountsName": "US Chart"}

WRITE_CASES: tuple[WriteCase, ...] = (
    _text_case("userName", "login", ("ada.login", "ada.renamed", "ada.direct")),
    _text_case("name.givenName", "firstname", ("Ada", "Augusta", "Direct")),
    _text_case("name.familyName", "lastname", ("Lovelace", "King", "Directly")),
    _text_case("name.middleName", "middlename", ("Byron", "Noel", "Direct")),
    _text_case(
        "emails[0].value",
        "email",
        ("ada@example.com", "augusta@example.com", "direct@example.com"),
    ),
    _address_case("streetAddress", "street1", "10 Main St", "20 Side St"),
    _address_case("locality", "city", "Chicago", "Peoria"),
    _address_case("region", "state", "IN", "OH"),
    _address_case("postalCode", "postal-code", "60601", "61602"),
    _address_case("country", "country.code", "CA", "GB"),
    _membership_case("groups[].value", "content-groups", (2, 3, 1)),
    _membership_case("roles[].value", "roles", (4, 5, 6)),
    WriteCase("active", False, True, "active", False, True, {"active": False}, read_back=False),
    _text_case(
        "locale", "default-locale", ("en-GB", "fr-CA", "de"), coupa_set={"default-locale": "de"}
    ),
    _text_case(ENTERPRISE_ATTR + "employeeNumber", "employee-number", ("E-1", "E-2", "E-3")),
    _text_case(
        ENTERPRISE_ATTR + "costCenter",
        "custom-fields.default-user-cost-center",
        ("CC-100", "CC-200", "CC-300"),
        coupa_set={"custom-fields": {"default-user-cost-center": "CC-300"}},
    ),
    WriteCase(
        ENTERPRISE_ATTR + "manager.value",
        "1",
        HELPER_ID,
        "manager.id",
        1,
        int(HELPER_ID),
        coupa_set={"manager": {"id": int(HELPER_ID)}},
        read_back=HELPER_ID,
    ),
    _text_case(
        COUPA_ATTR + "authenticationMethod",
        "authentication-method",
        ("saml", "ldap", "coupa_credentials"),
    ),
    _text_case(
        COUPA_ATTR + "ssoIdentifier", "sso-identifier", ("ada-sso", "ada-sso-2", "Direct-SSO")
    ),
    *(_flag_case(name, coupa_field) for name, coupa_field in LICENCE_FLAGS),
    *(_limit_case(name, coupa_field) for name, coupa_field in APPROVAL_LIMITS),
    WriteCase(
        COUPA_ATTR + "defaultChartOfAccountsName",
        "US Chart",
        "EU Chart",
        "default-account-type.name",
        "US Chart",
        "EU Chart",
        coupa_set={"default-account-type": {"name": "EU Chart"}},
        read_back="EU Chart",
    ),
    WriteCase(
        COUPA_ATTR + "defaultAccountCode",
        "SF-100",
        "NY-100",
        "default-account.code",
        "SF-100",
        "NY-100",
        coupa_set={"default-account": {"code": "SF-200"}},
        read_back="SF-200",
        base=US_CHART,
    ),
    WriteCase(
        COUPA_ATTR + "defaultAccountCodeSegment1",
        "SF",
        "NY",
        "default-account.segment-1",
        "SF",
        "NY",
        coupa_set={"default-account": {"code": "NY-100"}},
        read_back="NY",
        base={**US_CHART, COUPA_ATTR + "defaultAccountCodeSegment2": "100"},
    ),
    WriteCase(
        COUPA_ATTR + "defaultAccountCodeSegment2",
        "100",
        "200",
        "default-account.segment-2",
        "100",
        "200",
        coupa_set={"default-account": {"code": "SF-200"}},
        read_back="200",
        base={**US_CHART, COUPA_ATTR + "defaultAccountCodeSegment1": "SF"},
    ),
    WriteCase(
        COUPA_ATTR + "defaultCurrency",
        "EUR",
        "GBP",
        "default-currency.code",
        "EUR",
        "GBP",
        coupa_set={"default-currency": {"code": "USD"}},
        read_back="USD",
    ),
    WriteCase(
        COUPA_ATTR + "defaultAddressLocationCode",
        "HQ-SF",
        SECOND_ADDRESS_CODE,
        "default-address.location-code",
        "HQ-SF",
        SECOND_ADDRESS_CODE,
        coupa_set={"default-address": {"location-code": SECOND_ADDRESS_CODE}},
        read_back=SECOND_ADDRESS_CODE,
    ),
    WriteCase(
        COUPA_ATTR + "accountSecurityType",
        1,
        2,
        "account-security-type",
        1,
        2,
        {"account-security-type": 0},
        read_back=0,
    ),
    WriteCase(
        COUPA_ATTR + "businessGroupSecurityType",
        1,
        0,
        "business-group-security-type",
        1,
        0,
        {"business-group-security-type": 0},
        read_back=0,
    ),
    _text_case(COUPA_ATTR + "mentionName", "mention-name", ("adal", "augusta", "direct")),
    _membership_case(COUPA_ATTR + "accountGroups[].value", "account-groups", (1, 3, 2)),
    _membership_case(
        COUPA_ATTR + "approvalGroups[].value", "approval-groups", (1, 3, 3), "user-groups"
    ),
    _membership_case(COUPA_ATTR + "userGroups[].value", "user-groups", (2, 1, 3)),
)

WRITE_IDS = [
    case.row.removeprefix(ENTERPRISE_ATTR).removeprefix(COUPA_ATTR) for case in WRITE_CASES
]


def _writes_coupa(row: Row) -> bool:
    """Tell whether a row writes a Coupa field.

    A ``$ref`` row and a constant such as ``emails[0].type`` are filled in by
    the gateway, and what a client sends for them is ignored.
    """
    return row.writable and not isinstance(row.target, Reference | Const)


def test_every_writable_row_has_case() -> None:
    writable = {row.scim for row in USER_ROWS if _writes_coupa(row)}
    covered = [case.row for case in WRITE_CASES]

    assert sorted(writable - set(covered)) == []
    assert sorted(set(covered) - writable) == []
    assert len(covered) == len(set(covered))


def _post(stack: CoupaStack, case: WriteCase) -> dict[str, Any]:
    response = stack.scim.post("/Users", json=case.body(1))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.mark.parametrize("case", WRITE_CASES, ids=WRITE_IDS)
def test_row_written_by_post(mapped: CoupaStack, case: WriteCase) -> None:
    created = _post(mapped, case)

    assert scim_value(created, case.row) == case.first
    assert coupa_value(mapped.target_user(created["id"]), case.coupa_field) == case.coupa_first
    fetched = mapped.scim.get(f"/Users/{created['id']}").json()
    assert scim_value(fetched, case.row) == case.first


@pytest.mark.parametrize("case", WRITE_CASES, ids=WRITE_IDS)
def test_row_written_by_patch(mapped: CoupaStack, case: WriteCase) -> None:
    created = _post(mapped, case)

    patched = mapped.patch(
        f"/Users/{created['id']}", patch_operation(case.row, case.second, case.body(1))
    )

    assert patched.status_code == 200, patched.text
    assert scim_value(patched.json(), case.row) == case.second
    coupa_user_record = mapped.target_user(created["id"])
    assert coupa_value(coupa_user_record, case.coupa_field) == case.coupa_second
    fetched = mapped.scim.get(f"/Users/{created['id']}").json()
    assert scim_value(fetched, case.row) == case.second


@pytest.mark.parametrize("case", WRITE_CASES, ids=WRITE_IDS)
def test_row_written_by_put(mapped: CoupaStack, case: WriteCase) -> None:
    created = _post(mapped, case)
    patched = mapped.patch(
        f"/Users/{created['id']}", patch_operation(case.row, case.second, case.body(1))
    )
    assert patched.status_code == 200, patched.text

    replaced = mapped.scim.put(f"/Users/{created['id']}", json=case.body(1))

    assert replaced.status_code == 200, replaced.text
    assert scim_value(replaced.json(), case.row) == case.first
    coupa_user_record = mapped.target_user(created["id"])
    assert coupa_value(coupa_user_record, case.coupa_field) == case.coupa_first


@pytest.mark.parametrize("case", WRITE_CASES, ids=WRITE_IDS)
def test_row_read_after_coupa_change(mapped: CoupaStack, case: WriteCase) -> None:
    created = _post(mapped, case)

    mapped.target_put(f"/users/{created['id']}", case.coupa_set)

    fetched = mapped.scim.get(f"/Users/{created['id']}")
    assert fetched.status_code == 200, fetched.text
    assert scim_value(fetched.json(), case.row) == case.read_back


# Read-only User rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadCase:
    """A read-only row: after ``coupa_sets`` are sent to Coupa in order, GET returns ``expected``.

    ``{base}`` in ``expected`` stands for the gateway's SCIM base URL.
    """

    row: str
    coupa_sets: tuple[dict[str, Any], ...]
    expected: Any
    attributes: str | None = None
    """The ``attributes`` query parameter of the GET, for rows returned only on request."""


READ_CASES: tuple[ReadCase, ...] = (
    ReadCase(
        "name.formatted",
        ({"firstname": "Direct", "lastname": "Read"},),
        "Direct Read",
        attributes="name.formatted",
    ),
    ReadCase("displayName", ({"firstname": "Direct", "lastname": "Read"},), "Direct Read"),
    ReadCase("preferredLanguage", ({"default-locale": "fr-CA"},), "fr-CA"),
    ReadCase("emails[0].type", (), "work"),
    ReadCase("addresses[0].type", ({"default-address": OWN_ADDRESS},), "work"),
    ReadCase("groups[].display", ({"content-groups": [{"id": 2}]},), ["Finance"]),
    ReadCase("groups[].$ref", ({"content-groups": [{"id": 2}]},), ["{base}/Groups/2"]),
    ReadCase(
        "roles[].display", ({"roles": [{"id": 4}, {"id": 5}]},), ["Buyer", "Accounts Payable"]
    ),
    ReadCase("roles[].$ref", ({"roles": [{"id": 4}]},), ["{base}/Roles/4"]),
    ReadCase(
        ENTERPRISE_ATTR + "manager.$ref",
        ({"manager": {"id": int(HELPER_ID)}},),
        f"{{base}}/Users/{HELPER_ID}",
    ),
    ReadCase(
        COUPA_ATTR + "defaultAccountName",
        ({"default-account-type": {"name": "US Chart"}}, {"default-account": {"code": "SF-200"}}),
        "San Francisco Marketing",
    ),
    ReadCase(
        COUPA_ATTR + "defaultAddressCountryName",
        ({"default-address": {"location-code": "HQ-SF"}},),
        "United States",
    ),
    ReadCase(
        COUPA_ATTR + "accountGroups[].display", ({"account-groups": [{"id": 2}]},), ["EU Accounts"]
    ),
    ReadCase(
        COUPA_ATTR + "accountGroups[].$ref",
        ({"account-groups": [{"id": 2}]},),
        ["{base}/AccountGroups/2"],
    ),
    ReadCase(
        COUPA_ATTR + "approvalGroups[].display",
        ({"user-groups": [{"id": 2}, {"id": 3}]},),
        ["Executive Approvers"],
    ),
    ReadCase(
        COUPA_ATTR + "approvalGroups[].$ref",
        ({"user-groups": [{"id": 3}]},),
        ["{base}/UserGroups/3"],
    ),
    ReadCase(
        COUPA_ATTR + "userGroups[].display",
        ({"user-groups": [{"id": 2}, {"id": 3}]},),
        ["IT Team", "Executive Approvers"],
    ),
    ReadCase(
        COUPA_ATTR + "userGroups[].$ref", ({"user-groups": [{"id": 2}]},), ["{base}/UserGroups/2"]
    ),
)

# Read-only rows with a test of their own below. The expected id and timestamps
# are not known in advance. The emulator always sends avatar-thumb-url as null
# and has no way to set it, so the photo rows are only checked to stay absent.
ROWS_WITH_OWN_TESTS = {
    "id",
    "meta.created",
    "meta.lastModified",
    "photos[0].value",
    "photos[0].type",
}


def test_every_read_only_row_has_case() -> None:
    read_only = {row.scim for row in USER_ROWS if not _writes_coupa(row)}
    covered = [case.row for case in READ_CASES] + sorted(ROWS_WITH_OWN_TESTS)

    assert sorted(read_only - set(covered)) == []
    assert sorted(set(covered) - read_only) == []
    assert len(covered) == len(set(covered))


@pytest.mark.parametrize(
    "case",
    READ_CASES,
    ids=[case.row.removeprefix(ENTERPRISE_ATTR).removeprefix(COUPA_ATTR) for case in READ_CASES],
)
def test_read_only_row_read(mapped: CoupaStack, case: ReadCase) -> None:
    created = mapped.create_user(1)
    for body in case.coupa_sets:
        mapped.target_put(f"/users/{created['id']}", body)

    params = {"attributes": case.attributes} if case.attributes else {}
    fetched = mapped.scim.get(f"/Users/{created['id']}", params=params)

    assert fetched.status_code == 200, fetched.text
    assert scim_value(fetched.json(), case.row) == expand(case.expected, mapped.scim_base)


def test_manager_ref_ignored_on_input(mapped: CoupaStack) -> None:
    manager = {"value": "1", "$ref": f"{mapped.scim_base}/Users/{HELPER_ID}"}
    body = coupa_user(1, **{ENTERPRISE: {"manager": manager}})
    body["schemas"].append(ENTERPRISE)

    response = mapped.scim.post("/Users", json=body)

    assert response.status_code == 201, response.text
    assert response.json()[ENTERPRISE]["manager"]["value"] == "1"
    assert response.json()[ENTERPRISE]["manager"]["$ref"] == f"{mapped.scim_base}/Users/1"
    assert mapped.target_user(response.json()["id"])["manager"]["id"] == 1


def test_manager_named_by_login(mapped: CoupaStack) -> None:
    created = mapped.create_user(1)

    patched = mapped.patch(
        f"/Users/{created['id']}",
        {"op": "replace", "path": ENTERPRISE_ATTR + "manager.value", "value": "helper"},
    )

    assert patched.status_code == 200, patched.text
    assert patched.json()[ENTERPRISE]["manager"]["value"] == HELPER_ID
    assert mapped.target_user(created["id"])["manager"]["id"] == int(HELPER_ID)


@pytest.mark.parametrize(
    ("path", "value", "coupa_field"),
    [
        ('emails[type eq "work"].value', "filtered@example.com", "email"),
        ('addresses[type eq "work"].streetAddress', "9 Filter St", "default-address.street1"),
        ('addresses[type eq "work"].locality', "Peoria", "default-address.city"),
    ],
    ids=["email", "streetAddress", "locality"],
)
def test_entra_filter_path_written(
    mapped: CoupaStack, path: str, value: str, coupa_field: str
) -> None:
    """Entra ID writes the one email and address through a ``[type eq "work"]`` filter."""
    body = coupa_user(1, addresses=[copy.deepcopy(BASE_ADDRESS)])
    created = mapped.scim.post("/Users", json=body)
    assert created.status_code == 201, created.text
    user_id = created.json()["id"]

    patched = mapped.patch(f"/Users/{user_id}", {"op": "replace", "path": path, "value": value})

    assert patched.status_code == 200, patched.text
    assert coupa_value(mapped.target_user(user_id), coupa_field) == value


def test_type_ignored_on_input(mapped: CoupaStack) -> None:
    address = {**BASE_ADDRESS, "type": "home"}
    body = coupa_user(1, addresses=[address], emails=[{"value": "a@example.com", "type": "home"}])

    response = mapped.scim.post("/Users", json=body)

    assert response.status_code == 201, response.text
    assert response.json()["emails"][0]["type"] == "work"
    assert response.json()["addresses"][0]["type"] == "work"
    assert mapped.target_user(response.json()["id"])["email"] == "a@example.com"


def test_formatted_name_returned_on_request(mapped: CoupaStack) -> None:
    created = mapped.create_user(1)

    fetched = mapped.scim.get(f"/Users/{created['id']}").json()

    assert "formatted" not in fetched["name"]
    assert fetched["name"]["givenName"] == "Given1"


def test_user_id_is_coupa_id(mapped: CoupaStack) -> None:
    created = mapped.create_user(1)

    matches = mapped.target_get("/users", login="user1")

    assert len(matches) == 1
    assert created["id"] == str(matches[0]["id"])
    assert created["id"].isdigit()
    assert mapped.scim.get(f"/Users/{created['id']}").json()["id"] == created["id"]


def _same_instant(scim_time: str, coupa_time: str) -> bool:
    return datetime.fromisoformat(scim_time) == datetime.fromisoformat(coupa_time)


def test_meta_timestamps_in_utc(mapped: CoupaStack) -> None:
    created = mapped.create_user(1)
    mapped.target_put(f"/users/{created['id']}", {"firstname": "Later"})
    record = mapped.target_user(created["id"])

    meta = mapped.scim.get(f"/Users/{created['id']}").json()["meta"]

    assert not record["created-at"].endswith("Z")
    assert meta["created"].endswith("Z")
    assert meta["lastModified"].endswith("Z")
    assert _same_instant(meta["created"], record["created-at"])
    assert _same_instant(meta["lastModified"], record["updated-at"])


def test_photos_absent_without_avatar(mapped: CoupaStack) -> None:
    created = mapped.create_user(1)
    record = mapped.target_user(created["id"])

    fetched = mapped.scim.get(f"/Users/{created['id']}").json()

    assert record["avatar-thumb-url"] is None
    assert "photos" not in fetched


# Group-like resources ------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupLikeCase:
    """A seed record of a group-like resource type and the user field that lists it."""

    endpoint: str
    record_id: int
    name: str
    user_field: str
    coupa_path: str
    schema: str


GROUP_LIKE_CASES = (
    GroupLikeCase("Groups", 2, "Finance", "content-groups", "/business_groups/2", GROUP_SCHEMA),
    GroupLikeCase("Roles", 4, "Buyer", "roles", "/roles/4", ROLE_SCHEMA),
    GroupLikeCase("UserGroups", 2, "IT Team", "user-groups", "/user_groups/2", USER_GROUP_SCHEMA),
    GroupLikeCase(
        "AccountGroups",
        1,
        "US Accounts",
        "account-groups",
        "/account_groups/1",
        ACCOUNT_GROUP_SCHEMA,
    ),
)

GROUP_LIKE_PATHS = {
    "id",
    "displayName",
    "meta.created",
    "meta.lastModified",
    "members[].value",
    "members[].display",
    "members[].$ref",
    "members[].type",
}
"""The rows of every group-like type; each is checked by the tests below."""


def test_group_like_rows_covered() -> None:
    for rows in (GROUP_ROWS, ROLE_ROWS, USER_GROUP_ROWS, ACCOUNT_GROUP_ROWS):
        assert {row.scim for row in rows} == GROUP_LIKE_PATHS

    writable = {row.scim for row in GROUP_ROWS if row.writable}
    assert writable == {"members[].value"}
    assert all(
        row.direction == Direction.READ for row in GROUP_ROWS if row.scim != "members[].value"
    )


def _group_ids(stack: CoupaStack, user_id: str, field_name: str) -> list[int]:
    entries = stack.target_user(user_id)[field_name]
    return [entry["id"] for entry in entries]


@pytest.mark.parametrize("case", GROUP_LIKE_CASES, ids=lambda case: case.endpoint)
def test_group_like_read(mapped: CoupaStack, case: GroupLikeCase) -> None:
    record = mapped.target_get(case.coupa_path)

    response = mapped.scim.get(f"/{case.endpoint}/{case.record_id}")

    assert response.status_code == 200, response.text
    resource = response.json()
    assert resource["id"] == str(case.record_id)
    assert resource["displayName"] == case.name
    assert "members" not in resource
    assert resource["meta"]["created"].endswith("Z")
    assert resource["meta"]["lastModified"].endswith("Z")
    assert _same_instant(resource["meta"]["created"], record["created-at"])
    assert _same_instant(resource["meta"]["lastModified"], record["updated-at"])


@pytest.mark.parametrize("case", GROUP_LIKE_CASES, ids=lambda case: case.endpoint)
def test_group_like_members_read(mapped: CoupaStack, case: GroupLikeCase) -> None:
    created = mapped.create_user(1)
    mapped.target_put(f"/users/{created['id']}", {case.user_field: [{"id": case.record_id}]})

    response = mapped.scim.get(
        f"/{case.endpoint}/{case.record_id}", params={"attributes": "members"}
    )

    assert response.status_code == 200, response.text
    assert response.json()["members"] == [
        {
            "value": created["id"],
            "display": "Given1 Family1",
            "$ref": f"{mapped.scim_base}/Users/{created['id']}",
            "type": "User",
        }
    ]


@pytest.mark.parametrize("case", GROUP_LIKE_CASES, ids=lambda case: case.endpoint)
def test_group_like_member_patched(mapped: CoupaStack, case: GroupLikeCase) -> None:
    created = mapped.create_user(1)
    path = f"/{case.endpoint}/{case.record_id}"

    added = mapped.patch(
        path, {"op": "add", "path": "members", "value": [{"value": created["id"]}]}
    )

    assert added.status_code in (200, 204), added.text
    assert case.record_id in _group_ids(mapped, created["id"], case.user_field)

    removed = mapped.patch(path, {"op": "remove", "path": f'members[value eq "{created["id"]}"]'})

    assert removed.status_code in (200, 204), removed.text
    assert case.record_id not in _group_ids(mapped, created["id"], case.user_field)


@pytest.mark.parametrize("case", GROUP_LIKE_CASES, ids=lambda case: case.endpoint)
def test_group_like_members_put(mapped: CoupaStack, case: GroupLikeCase) -> None:
    first = mapped.create_user(1)
    second = mapped.create_user(2)
    path = f"/{case.endpoint}/{case.record_id}"
    body = {"schemas": [case.schema], "displayName": case.name}

    joined = mapped.scim.put(path, json={**body, "members": [{"value": first["id"]}]})

    assert joined.status_code == 200, joined.text
    assert case.record_id in _group_ids(mapped, first["id"], case.user_field)
    assert case.record_id not in _group_ids(mapped, second["id"], case.user_field)

    swapped = mapped.scim.put(path, json={**body, "members": [{"value": second["id"]}]})

    assert swapped.status_code == 200, swapped.text
    assert case.record_id not in _group_ids(mapped, first["id"], case.user_field)
    assert case.record_id in _group_ids(mapped, second["id"], case.user_field)


@pytest.mark.parametrize("case", GROUP_LIKE_CASES, ids=lambda case: case.endpoint)
def test_group_like_name_read_only(mapped: CoupaStack, case: GroupLikeCase) -> None:
    path = f"/{case.endpoint}/{case.record_id}"

    response = mapped.patch(path, {"op": "replace", "path": "displayName", "value": "Renamed"})

    assert_scim_error(response, 400, "mutability")
    assert mapped.target_get(case.coupa_path)["name"] == case.name
