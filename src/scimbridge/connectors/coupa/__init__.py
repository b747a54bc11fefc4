"""The Coupa connector: SCIM resources over the Coupa Core API.

One instance serves five resource types: Users (every operation), and
Groups (content groups), Roles, UserGroups and AccountGroups, which are read
and whose members can change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from scimbridge.connectors.base import ConnectorInstance
from scimbridge.connectors.counting import CountCache
from scimbridge.connectors.coupa.catalog import load_catalog, with_suggestions
from scimbridge.connectors.coupa.client import TARGET_NAME, CoupaClient, parse_coupa_error
from scimbridge.connectors.coupa.custom_attributes import (
    custom_attribute_rows,
    declared_custom_attributes,
)
from scimbridge.connectors.coupa.deleted_users import DeletedUsers
from scimbridge.connectors.coupa.fields import (
    GROUP_QUERY_FIELDS,
    GROUP_SORT_FIELDS,
    USER_QUERY_FIELDS,
    USER_SORT_FIELDS,
)
from scimbridge.connectors.coupa.filters import QueryField
from scimbridge.connectors.coupa.groups import CoupaGroupLike
from scimbridge.connectors.coupa.listing import CoupaLister
from scimbridge.connectors.coupa.mappings import (
    ACCOUNT_GROUP_ROWS,
    ACCOUNT_GROUP_TYPE,
    COUPA_USER_SCHEMA,
    GROUP_ROWS,
    GROUP_TYPE,
    ROLE_ROWS,
    ROLE_TYPE,
    USER_GROUP_ROWS,
    USER_GROUP_TYPE,
    USER_ROWS,
    USER_SCHEMA,
    user_type,
)
from scimbridge.connectors.coupa.memberships import (
    ContentGroupMembership,
    ListMembership,
    Membership,
    UserGroupMembership,
)
from scimbridge.connectors.coupa.users import CoupaUsers
from scimbridge.connectors.http import AuthHook, TargetHttp
from scimbridge.connectors.oauth import OAuthGrant, TokenProvider
from scimbridge.errors import ConfigurationError
from scimbridge.mapping.engine import Mapper, parse_row_path
from scimbridge.mapping.rows import Row
from scimbridge.scim.schema import ResourceTypeDef
from scimbridge.settings import CoupaCustomAttribute, CoupaInstance
from scimbridge.store.cache import Cache
from scimbridge.store.deletions import DeletionStore


class CoupaInstanceHandle(ConnectorInstance):
    """A Coupa connector instance and the connections it owns."""

    def __init__(
        self,
        name: str,
        http: TargetHttp,
        tokens: TokenProvider | None,
        client: CoupaClient,
        cfg: CoupaInstance,
        deletions: DeletionStore,
        custom: Sequence[CoupaCustomAttribute],
        suggestions: Mapping[str, tuple[str, ...]],
    ) -> None:
        super().__init__(name=name, kind="coupa")
        self._http = http
        self._tokens = tokens
        self.client = client
        self.counts = CountCache(ttl_seconds=cfg.count_cache_seconds)

        user_rows = with_suggestions(
            USER_ROWS + custom_attribute_rows(custom, COUPA_USER_SCHEMA), suggestions
        )
        users = user_type(user_rows)
        self.handlers["Users"] = CoupaUsers(
            client,
            instance=name,
            rtype=users,
            mapper=Mapper(user_rows, USER_SCHEMA),
            lister=self._lister("users", users, USER_QUERY_FIELDS, USER_SORT_FIELDS, cfg),
            deleted=DeletedUsers(
                client, deletions, instance=name, recheck_seconds=cfg.count_cache_seconds
            ),
        )

        group_like: tuple[tuple[str, str, ResourceTypeDef, tuple[Row, ...], Membership], ...] = (
            ("Groups", "business_groups", GROUP_TYPE, GROUP_ROWS, ContentGroupMembership(client)),
            ("Roles", "roles", ROLE_TYPE, ROLE_ROWS, ListMembership(client, "roles")),
            (
                "UserGroups",
                "user_groups",
                USER_GROUP_TYPE,
                USER_GROUP_ROWS,
                UserGroupMembership(client),
            ),
            (
                "AccountGroups",
                "account_groups",
                ACCOUNT_GROUP_TYPE,
                ACCOUNT_GROUP_ROWS,
                ListMembership(client, "account-groups"),
            ),
        )
        for endpoint, resource, rtype, rows, membership in group_like:
            self.handlers[endpoint] = CoupaGroupLike(
                client,
                instance=name,
                resource=resource,
                rtype=rtype,
                mapper=Mapper(rows, rtype.schema.id),
                lister=self._lister(resource, rtype, GROUP_QUERY_FIELDS, GROUP_SORT_FIELDS, cfg),
                membership=membership,
                deletions=deletions,
            )

    def _lister(
        self,
        resource: str,
        rtype: ResourceTypeDef,
        query_fields: Mapping[str, QueryField],
        sort_fields: dict[str, str],
        cfg: CoupaInstance,
    ) -> CoupaLister:
        return CoupaLister(
            client=self.client,
            resource=resource,
            rtype=rtype,
            query_fields=query_fields,
            sort_fields=sort_fields,
            counts=self.counts,
            page_size=cfg.page_size,
            max_scan=cfg.max_scan,
        )

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._tokens is not None:
            await self._tokens.aclose()


async def open_coupa(
    name: str, cfg: CoupaInstance, *, deletions: DeletionStore, cache: Cache | None = None
) -> CoupaInstanceHandle:
    """Build a Coupa instance: OAuth2 client credentials, or a legacy API key when set.

    Custom attribute declarations are checked first, so a bad one stops the
    start before any connection is made.
    """
    custom = declared_custom_attributes(cfg.custom_properties, cfg.custom_attributes)
    _check_custom_names(name, custom)
    tokens: TokenProvider | None = None
    auth: AuthHook
    header = "Authorization"
    if cfg.api_key is not None:
        api_key = cfg.api_key.get_secret_value()
        header = "X-COUPA-API-KEY"

        async def auth(force_refresh: bool) -> str:
            return api_key

    else:
        grant = OAuthGrant(
            token_url=cfg.resolved_token_url,
            client_id=cfg.client_id,
            client_secret=cfg.client_secret.get_secret_value(),
            grant_type="client_credentials",
            scope=" ".join(cfg.scopes),
        )
        tokens = TokenProvider(
            grant, target_name=TARGET_NAME, timeout=cfg.timeout_seconds, cache=cache
        )
        auth = tokens.header

    http = TargetHttp(
        cfg.target_url.rstrip("/"),
        target_name=TARGET_NAME,
        auth=auth,
        parse_error=parse_coupa_error,
        timeout=cfg.timeout_seconds,
        auth_header=header,
    )
    client = CoupaClient(http)
    try:
        suggestions = await load_catalog(client)
    except BaseException:
        await http.aclose()
        if tokens is not None:
            await tokens.aclose()
        raise
    return CoupaInstanceHandle(name, http, tokens, client, cfg, deletions, custom, suggestions)


def _check_custom_names(instance: str, custom: Sequence[CoupaCustomAttribute]) -> None:
    """Reject a custom attribute named like an attribute the Coupa extension has already."""
    builtin = {
        parse_row_path(row.scim).attr.lower(): parse_row_path(row.scim).attr
        for row in USER_ROWS
        if row.scim.startswith(COUPA_USER_SCHEMA + ":")
    }
    for attribute in custom:
        clash = builtin.get(attribute.name.lower())
        if clash is not None:
            raise ConfigurationError(
                f"instances.{instance}: custom attribute {attribute.name!r} has the name of "
                f"the built-in attribute {clash!r} of {COUPA_USER_SCHEMA}; rename it"
            )
