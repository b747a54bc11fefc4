"""The GoToMeeting connector: SCIM Users and Groups over the GoTo Admin API."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from scimbridge.connectors.base import ConnectorInstance
from scimbridge.connectors.gotomeeting.client import TARGET_NAME, GoToClient, parse_goto_error
from scimbridge.connectors.gotomeeting.groups import GoToGroups
from scimbridge.connectors.gotomeeting.users import GoToUsers
from scimbridge.connectors.http import TargetHttp
from scimbridge.connectors.oauth import OAuthGrant, TokenProvider
from scimbridge.errors import ConfigurationError
from scimbridge.settings import GoToMeetingInstance
from scimbridge.store.cache import Cache


@dataclass
class _LicenseCache:
    """The license keys new users get, read once from the account when not configured."""

    client: GoToClient
    configured: list[str]
    _keys: list[str] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def __call__(self) -> list[str]:
        if self.configured:
            return list(self.configured)
        async with self._lock:
            if self._keys is None:
                licenses = await self.client.list_licenses()
                self._keys = [
                    str(item["key"])
                    for item in licenses
                    if "G2M" in (item.get("products") or []) and item.get("enabled", True)
                ]
            if not self._keys:
                raise ConfigurationError(
                    "the GoTo account has no enabled GoToMeeting (G2M) license; set license_keys"
                )
            return list(self._keys)


class GoToMeetingInstanceHandle(ConnectorInstance):
    """A GoToMeeting connector instance and the connections it owns."""

    def __init__(
        self,
        name: str,
        http: TargetHttp,
        tokens: TokenProvider,
        client: GoToClient,
        cfg: GoToMeetingInstance,
    ) -> None:
        licenses = _LicenseCache(client, cfg.license_keys)
        super().__init__(
            name=name,
            kind="gotomeeting",
            handlers={
                "Users": GoToUsers(
                    client, licenses=licenses, page_size=cfg.page_size, max_scan=cfg.max_scan
                ),
                "Groups": GoToGroups(client, page_size=cfg.page_size, max_scan=cfg.max_scan),
            },
        )
        self._http = http
        self._tokens = tokens
        self.client = client

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._tokens.aclose()


async def open_gotomeeting(
    name: str, cfg: GoToMeetingInstance, *, cache: Cache | None = None
) -> GoToMeetingInstanceHandle:
    """Build a GoToMeeting instance; reads the account key from ``GET /me`` when not configured."""
    grant = OAuthGrant(
        token_url=cfg.token_url,
        client_id=cfg.client_id,
        client_secret=cfg.client_secret.get_secret_value(),
        grant_type=cfg.grant,
        username=cfg.username,
        password=cfg.password.get_secret_value() if cfg.password else None,
        refresh_token=cfg.refresh_token.get_secret_value() if cfg.refresh_token else None,
        personal_access_token=(
            cfg.personal_access_token.get_secret_value() if cfg.personal_access_token else None
        ),
    )
    tokens = TokenProvider(grant, target_name=TARGET_NAME, timeout=cfg.timeout_seconds, cache=cache)
    http = TargetHttp(
        cfg.target_url.rstrip("/"),
        target_name=TARGET_NAME,
        auth=tokens.header,
        parse_error=parse_goto_error,
        timeout=cfg.timeout_seconds,
    )
    client = GoToClient(http, cfg.account_key or "")
    if not cfg.account_key:
        me = await client.me()
        client.account_key = str(me["accountKey"])
    return GoToMeetingInstanceHandle(name, http, tokens, client, cfg)
