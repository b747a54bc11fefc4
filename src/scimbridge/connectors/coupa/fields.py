"""The Coupa query and sort fields behind each SCIM attribute.

Keys are SCIM attribute names in lower case, qualified by their extension
URN when they belong to one. Only attributes whose Coupa comparison matches
SCIM's are listed (see :mod:`scimbridge.connectors.coupa.filters`). Sorting is
pushed down only on fields Coupa never leaves empty, because Coupa puts empty
values first in ascending order and SCIM puts them last.
"""

from __future__ import annotations

from scimbridge.connectors.coupa.filters import Kind, QueryField
from scimbridge.connectors.coupa.mappings import (
    COUPA_USER_SCHEMA,
    ENTERPRISE_SCHEMA,
    LICENCE_FLAGS,
)

_COUPA = COUPA_USER_SCHEMA.lower() + ":"
_ENTERPRISE = ENTERPRISE_SCHEMA.lower() + ":"


def _members(scim: str, field: str) -> dict[str, QueryField]:
    return {
        f"{scim}.value": QueryField(f"{field}[id]", Kind.MEMBER_ID),
        f"{scim}.display": QueryField(f"{field}[name]", Kind.MEMBER_NAME),
    }


USER_QUERY_FIELDS: dict[str, QueryField] = {
    "id": QueryField("id", Kind.NUMBER, unique=True),
    "username": QueryField("login", Kind.STRING, unique=True),
    "emails.value": QueryField("email", Kind.STRING),
    "name.givenname": QueryField("firstname", Kind.STRING),
    "name.familyname": QueryField("lastname", Kind.STRING),
    "name.middlename": QueryField("middlename", Kind.STRING),
    "name.formatted": QueryField("fullname", Kind.STRING),
    "displayname": QueryField("fullname", Kind.STRING),
    "active": QueryField("active", Kind.BOOLEAN),
    "locale": QueryField("default-locale", Kind.STRING),
    "preferredlanguage": QueryField("default-locale", Kind.STRING),
    "meta.created": QueryField("created-at", Kind.DATETIME),
    "meta.lastmodified": QueryField("updated-at", Kind.DATETIME),
    **_members("groups", "content-groups"),
    **_members("roles", "roles"),
    _ENTERPRISE + "employeenumber": QueryField("employee-number", Kind.STRING),
    _ENTERPRISE + "manager.value": QueryField("manager[id]", Kind.MEMBER_ID),
    # Entra ID checks a manager with ``manager eq "<id>"``, which compares manager.value.
    _ENTERPRISE + "manager": QueryField("manager[id]", Kind.MEMBER_ID),
    _COUPA + "mentionname": QueryField("mention-name", Kind.STRING),
    _COUPA + "authenticationmethod": QueryField("authentication-method", Kind.STRING),
    _COUPA + "accountsecuritytype": QueryField("account-security-type", Kind.NUMBER),
    _COUPA + "businessgroupsecuritytype": QueryField("business-group-security-type", Kind.NUMBER),
    _COUPA + "defaultchartofaccountsname": QueryField(
        "default-account-type[name]", Kind.MEMBER_NAME
    ),
    _COUPA + "defaultcurrency": QueryField("default-currency[code]", Kind.MEMBER_NAME),
    **{
        _COUPA + name.lower(): QueryField(field, Kind.BOOLEAN)
        for name, field, _source in LICENCE_FLAGS
    },
    **_members(_COUPA + "accountgroups", "account-groups"),
    **_members(_COUPA + "approvalgroups", "approval-groups"),
    **_members(_COUPA + "usergroups", "user-groups"),
}

USER_SORT_FIELDS: dict[str, str] = {
    "id": "id",
    "username": "login",
    "emails.value": "email",
    "name.givenname": "firstname",
    "name.familyname": "lastname",
    "displayname": "fullname",
    "name.formatted": "fullname",
    "meta.created": "created-at",
    "meta.lastmodified": "updated-at",
}

GROUP_QUERY_FIELDS: dict[str, QueryField] = {
    "id": QueryField("id", Kind.NUMBER, unique=True),
    "displayname": QueryField("name", Kind.STRING),
    "meta.created": QueryField("created-at", Kind.DATETIME),
    "meta.lastmodified": QueryField("updated-at", Kind.DATETIME),
}

GROUP_SORT_FIELDS: dict[str, str] = {
    "id": "id",
    "displayname": "name",
    "meta.created": "created-at",
    "meta.lastmodified": "updated-at",
}
