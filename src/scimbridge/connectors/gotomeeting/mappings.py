"""The GoToMeeting mapping rows and the resource types built from them.

The User and Group rows are the Starling Connect GoToMeeting connector's user
and group mappings, one row per line of those tables. Rows of our own are
marked ``source="scimbridge"``. They add the one email's ``type`` and
``primary`` flags, which clients such as Entra ID filter on, ``active``, which
GoTo expresses as the user's status, and the ``$ref`` and ``type`` of
references.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from zoneinfo import available_timezones

from scimbridge.mapping.rows import Computed, Concat, Const, Direction, Field, Reference, Row
from scimbridge.mapping.schemas import rows_for_schema, schema_from_rows
from scimbridge.scim.schema import (
    AttributeType,
    ResourceTypeDef,
    Returned,
    Uniqueness,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"

SEED_USER_TABLE = "Starling Connect GoToMeeting user mapping"
SEED_GROUP_TABLE = "Starling Connect GoToMeeting group mapping"

# A user without licenses and admin roles is SUSPENDED on GoTo; every other
# status (INVITED, ACTIVE, INACTIVE) still holds a seat.
INACTIVE_STATUSES = frozenset({"SUSPENDED"})


def _read_active(user: Mapping[str, Any]) -> bool | None:
    status = user.get("status")
    if not isinstance(status, str):
        return None
    return status.upper() not in INACTIVE_STATUSES


def _write_active(value: Any) -> dict[str, Any]:
    # The connector turns this marker into license changes, since what
    # "active" means depends on the licenses the account assigns.
    return {"__active__": bool(value)}


# Suggested values for locale, published as canonicalValues. GoTo accepts any
# language_COUNTRY pair; these are common ones, not a closed list.
SUGGESTED_LOCALES = (
    "de-DE",
    "en-AU",
    "en-GB",
    "en-US",
    "es-ES",
    "es-MX",
    "fr-CA",
    "fr-FR",
    "it-IT",
    "ja-JP",
    "ko-KR",
    "nl-NL",
    "pt-BR",
    "zh-CN",
)


def _read_locale(user: Mapping[str, Any]) -> str | None:
    locale = user.get("locale")
    return locale.replace("_", "-") if isinstance(locale, str) else None


def _write_locale(value: Any) -> dict[str, Any]:
    return {"locale": value.replace("-", "_") if isinstance(value, str) else value}


USER_ROWS: tuple[Row, ...] = (
    Row(
        "id",
        Field("key"),
        Direction.READ,
        case_exact=True,
        source=SEED_USER_TABLE,
        description="The GoTo user key.",
    ),
    Row(
        "userName",
        Field("email"),
        required=True,
        uniqueness=Uniqueness.SERVER,
        source=SEED_USER_TABLE,
        description="The user's email address, unique in the GoTo account; GoTo logs users "
        "in with it, so it must be an email address.",
    ),
    Row("name.givenName", Field("firstName"), required=True, source=SEED_USER_TABLE),
    Row("name.familyName", Field("lastName"), required=True, source=SEED_USER_TABLE),
    Row(
        "name.formatted",
        Concat(("firstName", "lastName")),
        Direction.READ,
        returned=Returned.REQUEST,
        source=SEED_USER_TABLE,
        description="givenName and familyName joined by a space. GoTo keeps no formatted "
        "name, so the gateway derives it, and returns it only when asked for (attributes="
        "name.formatted) so that a client writing name reads back what it wrote.",
    ),
    Row("displayName", Concat(("firstName", "lastName")), Direction.READ, source=SEED_USER_TABLE),
    Row(
        "emails[0].value",
        Field("email"),
        Direction.READ,
        source=SEED_USER_TABLE,
        description="The user's email address. GoTo keeps one email, the userName, so this "
        "mirrors userName and is changed through userName.",
    ),
    Row(
        "emails[0].type",
        Const("work"),
        Direction.READ,
        source="scimbridge",
        canonical_values=("work",),
    ),
    Row(
        "emails[0].primary",
        Const(True),
        Direction.READ,
        type=AttributeType.BOOLEAN,
        source="scimbridge",
    ),
    Row(
        "locale",
        Computed(("locale",), _read_locale, _write_locale, text="locale, en-US <-> en_US"),
        source=SEED_USER_TABLE,
        canonical_values=SUGGESTED_LOCALES,
        description="The user's locale as a language tag such as en-US (RFC 7643 §4.1.1); "
        "GoTo stores it as en_US.",
    ),
    Row(
        "timezone",
        Field("timeZone"),
        source=SEED_USER_TABLE,
        canonical_values=tuple(sorted(available_timezones())),
        description="The user's IANA time zone, such as America/Los_Angeles.",
    ),
    Row(
        "groups[].value",
        Field("groupKey"),
        Direction.READ,
        case_exact=True,
        source=SEED_USER_TABLE,
        description="Key of the GoTo group the user belongs to.",
    ),
    Row("groups[].display", Field("groupName"), Direction.READ, source=SEED_USER_TABLE),
    Row(
        "groups[].$ref",
        Reference("Group"),
        Direction.READ,
        type=AttributeType.REFERENCE,
        case_exact=True,
        reference_types=("Group",),
        source="scimbridge",
        description="URI of the group, filled in by the gateway.",
    ),
    Row(
        "active",
        Computed(
            ("status", "licenseKeys"),
            _read_active,
            _write_active,
            text="status != SUSPENDED; false removes the user's licenses",
        ),
        type=AttributeType.BOOLEAN,
        clear_when_absent=False,
        source="scimbridge",
        description="False when the user has no license (GoTo status SUSPENDED).",
    ),
)

GROUP_ROWS: tuple[Row, ...] = (
    Row("id", Field("key"), Direction.READ, case_exact=True, source=SEED_GROUP_TABLE),
    Row(
        "displayName",
        Field("name"),
        required=True,
        uniqueness=Uniqueness.SERVER,
        source=SEED_GROUP_TABLE,
        description="The group name, unique in the GoTo account.",
    ),
    Row(
        "members[].value",
        Field("userKeys"),
        case_exact=True,
        source=SEED_GROUP_TABLE,
        description="Keys of the users in the group; GoTo puts a user in one group at most.",
    ),
    Row(
        "members[].$ref",
        Reference("User"),
        type=AttributeType.REFERENCE,
        case_exact=True,
        reference_types=("User",),
        source="scimbridge",
        description="URI of the member, filled in by the gateway; ignored on input.",
    ),
    Row(
        "members[].type",
        Const("User"),
        type=AttributeType.STRING,
        source="scimbridge",
        canonical_values=("User",),
        description="Always User: GoTo groups hold users only.",
    ),
)


def _resource_type(
    name: str,
    endpoint: str,
    description: str,
    schema_id: str,
    schema_name: str,
    rows: tuple[Row, ...],
) -> ResourceTypeDef:
    core_rows = rows_for_schema(rows, schema_id, schema_id)
    core = schema_from_rows(schema_id, schema_name, description, core_rows)
    return ResourceTypeDef(name=name, endpoint=endpoint, description=description, schema=core)


USER_TYPE = _resource_type(
    "User", "/Users", "GoToMeeting users (GoTo Admin API users)", USER_SCHEMA, "User", USER_ROWS
)
GROUP_TYPE = _resource_type(
    "Group",
    "/Groups",
    "GoToMeeting groups (GoTo Admin API groups)",
    GROUP_SCHEMA,
    "Group",
    GROUP_ROWS,
)
