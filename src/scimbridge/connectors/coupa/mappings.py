"""The Coupa mapping rows and the resource types built from them.

The User rows reproduce the Starling Connect Coupa connector's user mapping
one row per line, and the Group, Role, UserGroup and AccountGroup rows its
four group-like mappings. Rows of our own are marked ``source="scimbridge"``.

Two table rows are read more precisely than the table writes them:

- ``addresses.country`` maps to ``default-address.country.code``, because
  RFC 7643 §4.1.2 requires an ISO 3166-1 alpha-2 code there. The country name
  the table names is published read-only as ``defaultAddressCountryName``.
- ``defaultChartOfAccountsName`` maps to ``default-account-type.name``: the
  chart of accounts is Coupa's account type, and the account-security-type
  rule reads the chart from that field. The table's ``default-account.name``
  (the default account's nickname) is published read-only as
  ``defaultAccountName``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scimbridge.connectors.coupa.specs import (
    IdField,
    Lookup,
    ReferenceId,
    ReferenceList,
    Timestamp,
)
from scimbridge.mapping.rows import Const, Direction, Each, Field, Reference, Row
from scimbridge.mapping.schemas import rows_for_schema, schema_from_rows
from scimbridge.scim.schema import AttributeType, ResourceTypeDef, Returned, SchemaDef, Uniqueness

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
COUPA_USER_SCHEMA = "urn:scimbridge:params:scim:schemas:extension:coupa:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ROLE_SCHEMA = "urn:scimbridge:params:scim:schemas:coupa:2.0:Role"
USER_GROUP_SCHEMA = "urn:scimbridge:params:scim:schemas:coupa:2.0:UserGroup"
ACCOUNT_GROUP_SCHEMA = "urn:scimbridge:params:scim:schemas:coupa:2.0:AccountGroup"

SEED_USER_TABLE = "Starling Connect Coupa user mapping"

ENTERPRISE = ENTERPRISE_SCHEMA + ":"
COUPA = COUPA_USER_SCHEMA + ":"

AUTHENTICATION_METHODS = ("coupa_credentials", "saml", "ldap")

# SCIM attribute name, Coupa field and approval subject of each approval limit
# on a user. A limit is named by amount and currency, and its subject names
# the documents it applies to.
APPROVAL_LIMITS = (
    ("invoiceApprovalLimit", "invoice-approval-limit", "invoice_header"),
    ("invoiceSelfApprovalLimit", "invoice-self-approval-limit", "invoice_header"),
    ("requisitionApprovalLimit", "requisition-approval-limit", "requisition_header"),
    ("requisitionSelfApprovalLimit", "requisition-self-approval-limit", "requisition_header"),
    ("contractApprovalLimit", "contract-approval-limit", "contract_header"),
    ("contractSelfApprovalLimit", "contract-self-approval-limit", "contract_header"),
    ("workConfirmationApprovalLimit", "work-confirmation-approval-limit", "work_confirmation"),
    ("expenseApprovalLimit", "expense-approval-limit", "expense_report"),
    ("expenseSelfApprovalLimit", "expense-self-approval-limit", "expense_report"),
)

# Locales suggested for users; Coupa offers more, depending on the instance.
SUGGESTED_LOCALES = ("de", "en", "en-GB", "es", "fr", "fr-CA", "it", "ja", "nl", "pt-BR", "zh-CN")

# Country codes suggested for addresses. Coupa accepts every ISO 3166-1 code
# its instance has, so this is not a closed list.
SUGGESTED_COUNTRIES = ("AU", "CA", "DE", "ES", "FR", "GB", "IE", "IN", "IT", "JP", "NL", "US")

# SCIM attribute name and Coupa field of each licence flag on a user.
LICENCE_FLAGS = (
    ("purchasingUser", "purchasing-user", SEED_USER_TABLE),
    ("expenseUser", "expense-user", SEED_USER_TABLE),
    ("sourcingUser", "sourcing-user", SEED_USER_TABLE),
    ("inventoryUser", "inventory-user", SEED_USER_TABLE),
    ("contractsUser", "contracts-user", SEED_USER_TABLE),
    ("analyticsUser", "analytics-user", SEED_USER_TABLE),
    ("invoicingUser", "invoicing-user", "scimbridge"),
)


def _membership_rows(path: str, field: str, resource_type: str, source: str) -> tuple[Row, ...]:
    return (
        Row(
            f"{path}[].value",
            ReferenceList(field, f"{path}.value"),
            case_exact=True,
            clear_when_absent=False,
            source=source,
            description=f"Id of a Coupa {resource_type} the user is in ({field}). A write "
            "replaces the user's whole list.",
        ),
        Row(
            f"{path}[].display",
            Each(field, "name"),
            Direction.READ,
            source=source,
            description=f"Name of the {resource_type}.",
        ),
        Row(
            f"{path}[].$ref",
            Reference(resource_type),
            Direction.READ,
            type=AttributeType.REFERENCE,
            case_exact=True,
            reference_types=(resource_type,),
            source="scimbridge",
            description=f"URI of the {resource_type}, filled in by the gateway.",
        ),
    )


def _approval_limit_rows() -> tuple[Row, ...]:
    return tuple(
        Row(
            COUPA + name,
            Lookup(field, "name"),
            source=SEED_USER_TABLE,
            description=f"The user's {field}, named as Coupa names approval limits: amount "
            'and currency, such as "1000.00 USD". The limit must exist in Coupa.',
        )
        for name, field, _subject in APPROVAL_LIMITS
    )


def _licence_rows() -> tuple[Row, ...]:
    return tuple(
        Row(
            COUPA + name,
            Field(field),
            type=AttributeType.BOOLEAN,
            clear_when_absent=False,
            source=source,
            description=f"Coupa licence flag {field}.",
        )
        for name, field, source in LICENCE_FLAGS
    )


CORE_USER_ROWS: tuple[Row, ...] = (
    Row("id", IdField(), Direction.READ, case_exact=True, source=SEED_USER_TABLE),
    Row(
        "userName",
        Field("login"),
        required=True,
        uniqueness=Uniqueness.SERVER,
        source=SEED_USER_TABLE,
        description="The Coupa login, unique in the instance.",
    ),
    Row("name.givenName", Field("firstname"), required=True, source=SEED_USER_TABLE),
    Row("name.familyName", Field("lastname"), required=True, source=SEED_USER_TABLE),
    Row("name.middleName", Field("middlename"), source="scimbridge"),
    Row(
        "name.formatted",
        Field("fullname"),
        Direction.READ,
        returned=Returned.REQUEST,
        source=SEED_USER_TABLE,
        description="Coupa's fullname (firstname and lastname), returned when requested "
        "(attributes=name.formatted) so a client that writes name reads back what it wrote.",
    ),
    Row("displayName", Field("fullname"), Direction.READ, source=SEED_USER_TABLE),
    Row(
        "emails[0].value",
        Field("email"),
        required=True,
        uniqueness=Uniqueness.SERVER,
        source=SEED_USER_TABLE,
        description="The user's email address, unique in the Coupa instance. Coupa keeps "
        "one email, without a type; a write takes the entry marked primary, else the first.",
    ),
    Row(
        "emails[0].type",
        Const("work"),
        canonical_values=("work",),
        source="scimbridge",
        description="Always work: Coupa keeps one email without a type. Ignored on input, "
        'so clients that address the email as emails[type eq "work"] find it.',
    ),
    Row(
        "photos[0].value",
        Field("avatar-thumb-url"),
        Direction.READ,
        type=AttributeType.REFERENCE,
        case_exact=True,
        reference_types=("external",),
        source=SEED_USER_TABLE,
    ),
    Row(
        "photos[0].type",
        Const("thumbnail"),
        Direction.READ,
        source="scimbridge",
        canonical_values=("thumbnail",),
    ),
    Row("addresses[0].streetAddress", Field("default-address.street1"), source=SEED_USER_TABLE),
    Row("addresses[0].locality", Field("default-address.city"), source=SEED_USER_TABLE),
    Row("addresses[0].region", Field("default-address.state"), source=SEED_USER_TABLE),
    Row("addresses[0].postalCode", Field("default-address.postal-code"), source=SEED_USER_TABLE),
    Row(
        "addresses[0].type",
        Const("work"),
        canonical_values=("work",),
        source="scimbridge",
        description="Always work: Coupa keeps one default address. Ignored on input, so "
        'clients that address it as addresses[type eq "work"] find it.',
    ),
    Row(
        "addresses[0].country",
        Field("default-address.country.code"),
        source=SEED_USER_TABLE,
        canonical_values=SUGGESTED_COUNTRIES,
        description="ISO 3166-1 alpha-2 country code of the default address, such as US.",
    ),
    *_membership_rows("groups", "content-groups", "Group", SEED_USER_TABLE),
    *_membership_rows("roles", "roles", "Role", SEED_USER_TABLE),
    Row(
        "active",
        Field("active"),
        type=AttributeType.BOOLEAN,
        clear_when_absent=False,
        source=SEED_USER_TABLE,
        description="False when the user is deactivated; Coupa never deletes users.",
    ),
    Row(
        "locale",
        Field("default-locale"),
        source=SEED_USER_TABLE,
        canonical_values=SUGGESTED_LOCALES,
        description="Coupa's default-locale, a language tag of at most 10 characters such "
        "as en, en-GB or fr-CA.",
    ),
    Row(
        "preferredLanguage",
        Field("default-locale"),
        Direction.READ,
        source=SEED_USER_TABLE,
        description="Coupa's default-locale, which locale sets; Coupa keeps one value for both.",
    ),
    Row(
        "meta.created",
        Timestamp("created-at"),
        Direction.READ,
        type=AttributeType.DATETIME,
        source=SEED_USER_TABLE,
    ),
    Row(
        "meta.lastModified",
        Timestamp("updated-at"),
        Direction.READ,
        type=AttributeType.DATETIME,
        source=SEED_USER_TABLE,
    ),
)

ENTERPRISE_ROWS: tuple[Row, ...] = (
    Row(
        ENTERPRISE + "employeeNumber",
        Field("employee-number"),
        uniqueness=Uniqueness.SERVER,
        source=SEED_USER_TABLE,
    ),
    Row(
        ENTERPRISE + "costCenter",
        Field("custom-fields.default-user-cost-center"),
        source=SEED_USER_TABLE,
    ),
    Row(
        ENTERPRISE + "manager.value",
        ReferenceId("manager", "manager.value", name_key="login"),
        case_exact=True,
        source=SEED_USER_TABLE,
        description="Id of the user's manager in Coupa.",
    ),
    Row(
        ENTERPRISE + "manager.$ref",
        Reference("User"),
        type=AttributeType.REFERENCE,
        case_exact=True,
        reference_types=("User",),
        source="scimbridge",
        description="URI of the manager, filled in by the gateway; ignored on input, where "
        "value names the manager.",
    ),
)

COUPA_ROWS: tuple[Row, ...] = (
    Row(
        COUPA + "authenticationMethod",
        Field("authentication-method"),
        canonical_values=AUTHENTICATION_METHODS,
        clear_when_absent=False,
        source=SEED_USER_TABLE,
    ),
    Row(
        COUPA + "ssoIdentifier",
        Field("sso-identifier"),
        case_exact=True,
        source=SEED_USER_TABLE,
        description="The SAML NameID Coupa matches at single sign-on.",
    ),
    *_licence_rows(),
    *_approval_limit_rows(),
    Row(
        COUPA + "defaultChartOfAccountsName",
        Lookup("default-account-type", "name"),
        source=SEED_USER_TABLE,
        description="Name of the user's default chart of accounts (Coupa account type).",
    ),
    Row(
        COUPA + "defaultAccountName",
        Field("default-account.name"),
        Direction.READ,
        source=SEED_USER_TABLE,
        description="Nickname of the user's default account.",
    ),
    Row(
        COUPA + "defaultAccountCode",
        Field("default-account.code"),
        source=SEED_USER_TABLE,
        description="Code of the user's default account, its segments joined by '-'. "
        "Written after the chart of accounts, in a second request.",
    ),
    Row(
        COUPA + "defaultAccountCodeSegment1",
        Field("default-account.segment-1"),
        source=SEED_USER_TABLE,
        description="Segment 1 of the default account; written in a second request.",
    ),
    Row(
        COUPA + "defaultAccountCodeSegment2",
        Field("default-account.segment-2"),
        source=SEED_USER_TABLE,
        description="Segment 2 of the default account; written in a second request.",
    ),
    Row(
        COUPA + "defaultCurrency",
        Lookup("default-currency", "code"),
        clear_when_absent=False,
        source=SEED_USER_TABLE,
        description="ISO 4217 code of the user's default currency, such as EUR.",
    ),
    Row(
        COUPA + "defaultAddressLocationCode",
        Field("default-address.location-code"),
        source=SEED_USER_TABLE,
        description="Location code of the default address; naming a shared address's code "
        "makes it the user's default address.",
    ),
    Row(
        COUPA + "defaultAddressCountryName",
        Field("default-address.country.name"),
        Direction.READ,
        source=SEED_USER_TABLE,
    ),
    Row(
        COUPA + "accountSecurityType",
        Field("account-security-type"),
        type=AttributeType.INTEGER,
        clear_when_absent=False,
        source=SEED_USER_TABLE,
        description="0: no account restriction, 1: the default chart of accounts only, "
        "2: the user's account groups. Set by the gateway whenever a chart of accounts "
        "is set: 2 with account groups, 1 without.",
    ),
    Row(
        COUPA + "businessGroupSecurityType",
        Field("business-group-security-type"),
        type=AttributeType.INTEGER,
        clear_when_absent=False,
        source=SEED_USER_TABLE,
        description="0: no content-group restriction, 1: the user's content groups.",
    ),
    Row(
        COUPA + "mentionName",
        Field("mention-name"),
        uniqueness=Uniqueness.SERVER,
        clear_when_absent=False,
        source=SEED_USER_TABLE,
        description="The @name of the user in Coupa; generated from the login when not given.",
    ),
    *_membership_rows(COUPA + "accountGroups", "account-groups", "AccountGroup", SEED_USER_TABLE),
    *_membership_rows(COUPA + "approvalGroups", "approval-groups", "UserGroup", SEED_USER_TABLE),
    *_membership_rows(COUPA + "userGroups", "user-groups", "UserGroup", "scimbridge"),
)

USER_ROWS: tuple[Row, ...] = CORE_USER_ROWS + ENTERPRISE_ROWS + COUPA_ROWS


def group_rows(table: str, member_field: str) -> tuple[Row, ...]:
    """Rows of a group-like resource: id, displayName, the two timestamps and members.

    ``members`` is not a field of the Coupa record: the connector finds the
    users whose ``member_field`` lists the record and adds them under
    ``members`` before conversion.
    """
    return (
        Row("id", IdField(), Direction.READ, case_exact=True, source=table),
        Row(
            "displayName",
            Field("name"),
            Direction.READ,
            uniqueness=Uniqueness.SERVER,
            source=table,
            description="The name in Coupa; Coupa allows no change through this connector.",
        ),
        Row(
            "meta.created",
            Timestamp("created-at"),
            Direction.READ,
            type=AttributeType.DATETIME,
            source=table,
        ),
        Row(
            "meta.lastModified",
            Timestamp("updated-at"),
            Direction.READ,
            type=AttributeType.DATETIME,
            source=table,
        ),
        Row(
            "members[].value",
            ReferenceList(
                "members", "members.value", text=f"ids of the users whose {member_field} list it"
            ),
            case_exact=True,
            returned=Returned.REQUEST,
            source="scimbridge",
            description=f"Ids of the users whose {member_field} list this record. Returned "
            "when requested (attributes=members), since Coupa keeps memberships on the users "
            "and reading them costs one list call per 50 members. A write becomes one "
            "update per user that joins or leaves.",
        ),
        Row(
            "members[].display",
            Each("members", "fullname"),
            Direction.READ,
            returned=Returned.REQUEST,
            source="scimbridge",
        ),
        Row(
            "members[].$ref",
            Reference("User"),
            Direction.READ,
            type=AttributeType.REFERENCE,
            case_exact=True,
            reference_types=("User",),
            returned=Returned.REQUEST,
            source="scimbridge",
        ),
        Row(
            "members[].type",
            Const("User"),
            Direction.READ,
            canonical_values=("User",),
            returned=Returned.REQUEST,
            source="scimbridge",
        ),
    )


def _group_like_type(
    name: str, endpoint: str, description: str, schema_id: str, rows: tuple[Row, ...]
) -> ResourceTypeDef:
    schema = schema_from_rows(schema_id, name, description, rows)
    return ResourceTypeDef(name=name, endpoint=endpoint, description=description, schema=schema)


GROUP_ROWS = group_rows("Starling Connect Coupa group mapping", "content-groups")
ROLE_ROWS = group_rows("Starling Connect Coupa roles mapping", "roles")
USER_GROUP_ROWS = group_rows("Starling Connect Coupa UserGroups mapping", "user-groups")
ACCOUNT_GROUP_ROWS = group_rows("Starling Connect Coupa AccountGroups mapping", "account-groups")

GROUP_TYPE = _group_like_type(
    "Group", "/Groups", "Coupa content groups (business groups)", GROUP_SCHEMA, GROUP_ROWS
)
ROLE_TYPE = _group_like_type("Role", "/Roles", "Coupa roles", ROLE_SCHEMA, ROLE_ROWS)
USER_GROUP_TYPE = _group_like_type(
    "UserGroup",
    "/UserGroups",
    "Coupa user groups, which include the approval groups",
    USER_GROUP_SCHEMA,
    USER_GROUP_ROWS,
)
ACCOUNT_GROUP_TYPE = _group_like_type(
    "AccountGroup",
    "/AccountGroups",
    "Coupa account groups",
    ACCOUNT_GROUP_SCHEMA,
    ACCOUNT_GROUP_ROWS,
)


def user_type(rows: tuple[Row, ...]) -> ResourceTypeDef:
    """Build the User resource type from the rows, custom attribute rows included."""
    core = schema_from_rows(
        USER_SCHEMA, "User", "Coupa users", rows_for_schema(rows, USER_SCHEMA, USER_SCHEMA)
    )
    extensions: list[SchemaDef] = [
        schema_from_rows(
            ENTERPRISE_SCHEMA,
            "EnterpriseUser",
            "Enterprise User",
            rows_for_schema(rows, ENTERPRISE_SCHEMA, USER_SCHEMA),
        ),
        schema_from_rows(
            COUPA_USER_SCHEMA,
            "CoupaUser",
            "Coupa user fields without a SCIM counterpart, and custom attributes",
            rows_for_schema(rows, COUPA_USER_SCHEMA, USER_SCHEMA),
        ),
    ]
    return ResourceTypeDef(
        name="User",
        endpoint="/Users",
        description="Coupa users",
        schema=core,
        extensions=tuple(extensions),
    )


def membership_ids(user: Mapping[str, Any], field: str) -> list[int]:
    """Return the ids in one of a Coupa user's membership lists."""
    entries = user.get(field)
    if not isinstance(entries, list):
        return []
    return [
        int(entry["id"])
        for entry in entries
        if isinstance(entry, Mapping) and isinstance(entry.get("id"), int)
    ]
