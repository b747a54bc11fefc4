"""One live gateway serving both connector instances, each in front of its own emulator.

Both emulators run behind a :class:`WriteRecorder`, so a test can tell which write
calls a SCIM request caused on a target and the status the target returned. Both have
their rate limits off.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scimbridge.emulators.coupa import CoupaEmulatorSettings
from scimbridge.emulators.coupa import create_app as create_coupa_emulator
from scimbridge.emulators.gotomeeting import EmulatorSettings
from scimbridge.emulators.gotomeeting import create_app as create_gotomeeting_emulator
from tests.integration import coupa_stack
from tests.integration.conftest import SCIM_JSON, TOKEN, _target_client, serve_gateway
from tests.support.servers import RunningServer, serve_in_thread

INSTANCES = ("gotomeeting", "coupa")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
COUPA_RECORDS = ("users", "roles", "business_groups", "user_groups", "account_groups")


class WriteRecorder:
    """ASGI middleware that records the write calls an emulator receives, with their status.

    Only paths under ``prefix`` count, so token requests are left out.
    """

    def __init__(self, app: ASGIApp, prefix: str) -> None:
        self.app = app
        self.prefix = prefix
        self.writes: list[tuple[str, str, int]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            scope["type"] == "http"
            and scope["method"] in WRITE_METHODS
            and scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.writes.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, record_status)


@dataclass
class DualStack:
    """A gateway with a ``gotomeeting`` and a ``coupa`` instance, and both emulators."""

    gateway: RunningServer
    gotomeeting_emulator: RunningServer
    coupa_emulator: RunningServer
    gotomeeting_writes: WriteRecorder
    coupa_writes: WriteRecorder
    gotomeeting_target: httpx.Client
    coupa_target: httpx.Client
    account_key: str

    def scim(self, instance: str, **headers: str) -> httpx.Client:
        """Return an authenticated client on ``instance``'s SCIM base URL; the caller closes it."""
        return httpx.Client(
            base_url=f"{self.gateway.base_url}/{instance}/scim/v2",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": SCIM_JSON, **headers},
            timeout=60,
        )

    def write_mark(self) -> tuple[int, int]:
        """Return a mark for :meth:`writes_since`."""
        return len(self.gotomeeting_writes.writes), len(self.coupa_writes.writes)

    def writes_since(self, mark: tuple[int, int]) -> list[tuple[str, str, int]]:
        """Return the write calls both emulators received after ``mark``, with their status."""
        return self.gotomeeting_writes.writes[mark[0] :] + self.coupa_writes.writes[mark[1] :]

    def snapshot(self) -> dict[str, Any]:
        """Read every user, group and group-like record of both targets, by their own APIs."""
        prefix = f"/admin/rest/v1/accounts/{self.account_key}"
        state: dict[str, Any] = {}
        for name in ("users", "groups"):
            response = self.gotomeeting_target.get(f"{prefix}/{name}", params={"pageSize": 1000})
            response.raise_for_status()
            state[f"gotomeeting {name}"] = response.json()
        for name in COUPA_RECORDS:
            state[f"coupa {name}"] = self._coupa_records(name)
        return state

    def _coupa_records(self, name: str) -> list[Any]:
        records: list[Any] = []
        while True:
            response = self.coupa_target.get(
                f"/api/{name}", params={"offset": len(records), "limit": 50}
            )
            response.raise_for_status()
            page = response.json()
            records.extend(page)
            if len(page) < 50:
                return records

    def close(self) -> None:
        self.gotomeeting_target.close()
        self.coupa_target.close()
        self.gateway.stop()
        self.gotomeeting_emulator.stop()
        self.coupa_emulator.stop()


def start_dual_stack(tmp_path: Path, overrides: dict[str, Any] | None = None) -> DualStack:
    """Start both emulators, each on its own SQLite file, and one gateway in front of them."""
    gotomeeting_config = EmulatorSettings.sandbox(state_path=tmp_path / "gotomeeting.db")
    gotomeeting_config.rate_limit_per_second = 0
    coupa_config = CoupaEmulatorSettings.sandbox(state_path=tmp_path / "coupa.db")
    coupa_config.rate_limit_per_second = 0

    gotomeeting, gotomeeting_writes = serve_recorded(
        lambda: create_gotomeeting_emulator(gotomeeting_config), "/admin/rest/v1/accounts/"
    )
    coupa, coupa_writes = serve_recorded(lambda: create_coupa_emulator(coupa_config), "/api/")
    gateway = serve_gateway(
        tmp_path / "gateway",
        {
            "instances.gotomeeting.target_url": f"{gotomeeting.base_url}/admin/rest/v1",
            "instances.gotomeeting.token_url": f"{gotomeeting.base_url}/oauth/token",
            "instances.coupa.target_url": coupa.base_url,
            **(overrides or {}),
        },
    )
    return DualStack(
        gateway=gateway,
        gotomeeting_emulator=gotomeeting,
        coupa_emulator=coupa,
        gotomeeting_writes=gotomeeting_writes,
        coupa_writes=coupa_writes,
        gotomeeting_target=_target_client(gotomeeting.base_url),
        coupa_target=coupa_stack._target_client(coupa.base_url),
        account_key=gotomeeting_config.account_key,
    )


def serve_recorded(
    create: Callable[[], ASGIApp], prefix: str
) -> tuple[RunningServer, WriteRecorder]:
    """Serve the app ``create`` builds behind a :class:`WriteRecorder` of ``prefix`` paths.

    The app is built in the server's thread, where its SQLite connection is used.
    """
    built: list[WriteRecorder] = []

    async def factory() -> Any:
        async def nothing() -> None:
            return None

        built.append(WriteRecorder(create(), prefix))
        return built[0], nothing

    server = serve_in_thread(factory)
    return server, built[0]
