"""The gateway on PostgreSQL and Redis, as several processes would share them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from tests.integration.conftest import TOKEN, new_user, start_stack
from tests.support.servers import RunningServer, bound_socket, serve_in_thread

from scimbridge.runtime import build_runtime
from scimbridge.settings import load_settings


def test_gateway_on_postgres_and_redis(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> None:
    overrides = {
        "store.url": postgres_url,
        "store.cache_url": redis_url,
        "store.cache_prefix": f"{redis_prefix}gateway:",
        "store.state_cache_seconds": 0,
    }
    stack = start_stack(tmp_path, overrides=overrides)
    try:
        created = stack.scim.post("/Users", json=new_user(1, externalId="pg-1"))
        fetched = stack.scim.get(f"/Users/{created.json()['id']}")
        found = stack.scim.get("/Users", params={"filter": 'externalId eq "pg-1"'})
    finally:
        stack.close()

    assert created.status_code == 201
    assert fetched.json()["meta"]["created"] == created.json()["meta"]["created"]
    assert fetched.json()["externalId"] == "pg-1"
    assert found.json()["totalResults"] == 1


def test_second_gateway_sees_first_ones_state(
    tmp_path: Path, postgres_url: str, redis_url: str, redis_prefix: str
) -> None:
    overrides = {
        "store.url": postgres_url,
        "store.cache_url": redis_url,
        "store.cache_prefix": f"{redis_prefix}pair:",
    }
    first = start_stack(tmp_path, overrides=overrides)
    second = start_gateway(tmp_path / "second", first.emulator.base_url, overrides)
    try:
        created = first.scim.post("/Users", json=new_user(2, externalId="pg-2")).json()
        client = httpx.Client(
            base_url=f"{second.base_url}/gotomeeting/scim/v2",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        with client:
            fetched = client.get(f"/Users/{created['id']}").json()
            found = client.get("/Users", params={"filter": 'externalId eq "pg-2"'}).json()
    finally:
        second.stop()
        first.close()

    assert fetched["meta"]["created"] == created["meta"]["created"]
    assert fetched["meta"]["version"] == created["meta"]["version"]
    assert fetched["externalId"] == "pg-2"
    assert found["totalResults"] == 1


def start_gateway(data_dir: Path, emulator_url: str, overrides: dict[str, Any]) -> RunningServer:
    """Start one more gateway in front of an emulator that is already running."""
    sock = bound_socket()
    settings = load_settings(
        environ={},
        overrides={
            "data_dir": str(data_dir),
            "server.port": sock.getsockname()[1],
            "instances.gotomeeting.target_url": f"{emulator_url}/admin/rest/v1",
            "instances.gotomeeting.token_url": f"{emulator_url}/oauth/token",
            "emulators.gotomeeting.enabled": False,
            **overrides,
        },
    )

    async def factory() -> Any:
        runtime = await build_runtime(settings, token=TOKEN)
        return runtime.app, runtime.aclose

    return serve_in_thread(factory, sock)
