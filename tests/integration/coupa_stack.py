"""A live gateway with a Coupa instance and a live Coupa emulator, over HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scimbridge.emulators.coupa import CoupaEmulatorSettings
from scimbridge.emulators.coupa import create_app as create_coupa_emulator
from scimbridge.emulators.coupa.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET
from tests.integration.conftest import (
    SCIM_JSON,
    TOKEN,
    CallRecorder,
    LiveStack,
    serve_emulator,
    serve_gateway,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
COUPA = "urn:scimbridge:params:scim:schemas:extension:coupa:2.0:User"


@dataclass
class CoupaStack(LiveStack):
    """A running Coupa emulator and gateway; ``target`` has every Coupa scope."""

    recorder: CallRecorder | None = field(default=None)

    @property
    def scim_base(self) -> str:
        return f"{self.gateway.base_url}/coupa/scim/v2"

    def target_get(self, path: str, **params: Any) -> Any:
        response = self.target.get(f"/api{path}", params=params)
        response.raise_for_status()
        return response.json()

    def target_put(self, path: str, body: Any) -> Any:
        """Change something on Coupa directly, bypassing the gateway."""
        response = self.target.put(f"/api{path}", json=body)
        response.raise_for_status()
        return response.json()

    def target_post(self, path: str, body: Any) -> Any:
        response = self.target.post(f"/api{path}", json=body)
        response.raise_for_status()
        return response.json()

    def target_user(self, user_id: str | int) -> dict[str, Any]:
        user: dict[str, Any] = self.target_get(f"/users/{user_id}")
        return user

    def create_user(self, index: int | str, **extra: Any) -> dict[str, Any]:
        """POST a user through the gateway and return the created resource."""
        return self.post_created("/Users", coupa_user(index, **extra))


def coupa_user(index: int | str, **extra: Any) -> dict[str, Any]:
    """A minimal valid Coupa User body: login, both names and an email."""
    body: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "userName": f"user{index}",
        "name": {"givenName": f"Given{index}", "familyName": f"Family{index}"},
        "emails": [{"value": f"user{index}@example.com", "type": "work", "primary": True}],
    }
    body.update(extra)
    return body


def start_coupa_stack(
    tmp_path: Path,
    *,
    emulator_settings: Callable[[CoupaEmulatorSettings], None] | None = None,
    overrides: dict[str, Any] | None = None,
    record_calls: bool = False,
) -> CoupaStack:
    """Start a Coupa emulator on its own SQLite file and a gateway with one coupa instance.

    With ``record_calls`` the emulator runs behind a :class:`CallRecorder` of
    ``/api/`` requests, available as ``stack.recorder``.
    """
    config = CoupaEmulatorSettings.sandbox(state_path=tmp_path / "coupa-emulator.db")
    config.rate_limit_per_second = 0
    if emulator_settings:
        emulator_settings(config)

    emulator, recorder = serve_emulator(
        lambda: create_coupa_emulator(config), record_prefix="/api/" if record_calls else None
    )
    gateway = serve_gateway(
        tmp_path / "gateway", {"instances.coupa.target_url": emulator.base_url, **(overrides or {})}
    )
    scim = httpx.Client(
        base_url=f"{gateway.base_url}/coupa/scim/v2",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": SCIM_JSON},
        timeout=60,
    )
    target = _target_client(emulator.base_url)
    return CoupaStack(emulator, gateway, scim, target, recorder)


def _target_client(base_url: str) -> httpx.Client:
    token = httpx.post(
        f"{base_url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET),
    ).json()["access_token"]
    return httpx.Client(
        base_url=base_url,
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        timeout=30,
    )
