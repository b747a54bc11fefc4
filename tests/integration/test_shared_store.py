"""The gateway on PostgreSQL and Redis, as several processes would share them."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.integration.conftest import TOKEN, new_user, start_gateway, start_stack


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
