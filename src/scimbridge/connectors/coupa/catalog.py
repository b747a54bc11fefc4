"""Suggested values of reference attributes, read from Coupa when an instance starts.

Many Coupa user fields name a record that must already exist: a currency, a
chart of accounts, an approval limit, a role or group. The gateway reads these
lists once at start and publishes them as the ``canonicalValues`` of the
attributes that name them, so that an administrator, or a client that reads
/Schemas, can see what Coupa will accept. They are suggestions (RFC 7643 §7),
and Coupa, not the gateway, decides what it accepts.

Each list takes one call. A list longer than one Coupa page (50 records) is
not published, and a list Coupa refuses (for example for a missing scope) is
skipped with a warning, so a partial catalog never stops the instance.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import structlog

from scimbridge.connectors.coupa.client import PAGE_CAP, CoupaClient
from scimbridge.connectors.coupa.mappings import APPROVAL_LIMITS, COUPA_USER_SCHEMA
from scimbridge.errors import TargetError
from scimbridge.mapping.rows import Row

log = structlog.get_logger("scimbridge.coupa")

COUPA = COUPA_USER_SCHEMA + ":"


@dataclass(frozen=True)
class CatalogList:
    """One Coupa list and the SCIM attributes whose values it suggests."""

    resource: str
    key: str
    """The field of each record that is the suggested value."""
    paths: tuple[str, ...]
    """Mapping-row paths that receive the values."""
    params: Mapping[str, str] = dataclasses.field(default_factory=dict)


def _approval_limit_lists() -> tuple[CatalogList, ...]:
    subjects: dict[str, list[str]] = {}
    for name, _field, subject in APPROVAL_LIMITS:
        subjects.setdefault(subject, []).append(COUPA + name)
    return tuple(
        CatalogList("approval_limits", "name", tuple(paths), {"subject": subject})
        for subject, paths in subjects.items()
    )


CATALOG_LISTS: tuple[CatalogList, ...] = (
    CatalogList("currencies", "code", (COUPA + "defaultCurrency",)),
    CatalogList("account_types", "name", (COUPA + "defaultChartOfAccountsName",)),
    CatalogList("addresses", "location-code", (COUPA + "defaultAddressLocationCode",)),
    CatalogList("roles", "id", ("roles[].value",)),
    CatalogList("business_groups", "id", ("groups[].value",)),
    CatalogList("account_groups", "id", (COUPA + "accountGroups[].value",)),
    CatalogList("user_groups", "id", (COUPA + "userGroups[].value",)),
    CatalogList("user_groups", "id", (COUPA + "approvalGroups[].value",), {"can-approve": "true"}),
    *_approval_limit_lists(),
)


async def load_catalog(client: CoupaClient) -> dict[str, tuple[str, ...]]:
    """Read every catalog list; returns suggested values by mapping-row path."""
    values: dict[str, tuple[str, ...]] = {}
    for catalog in CATALOG_LISTS:
        try:
            records = await client.index(
                catalog.resource, catalog.params, fields=["id", catalog.key]
            )
        except TargetError as exc:
            log.warning("coupa_catalog_skipped", resource=catalog.resource, error=exc.message)
            continue
        if len(records) >= PAGE_CAP:
            continue
        found = tuple(
            dict.fromkeys(str(record[catalog.key]) for record in records if record.get(catalog.key))
        )
        for path in catalog.paths:
            values[path] = found
    return values


def with_suggestions(rows: Sequence[Row], values: Mapping[str, tuple[str, ...]]) -> tuple[Row, ...]:
    """Return the rows, with the catalog's values as canonical values where it has some."""
    return tuple(
        dataclasses.replace(row, canonical_values=values[row.scim]) if values.get(row.scim) else row
        for row in rows
    )
