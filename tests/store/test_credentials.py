"""The credential store on SQLite and PostgreSQL: credentials, revocation and gateway keys."""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection

from scimbridge.auth import create_credential
from scimbridge.errors import StoreError
from scimbridge.store import CredentialStore, Store, StoredCredential, open_store
from scimbridge.store.database import ALEMBIC_INI
from scimbridge.store.models import ClientCredentialRow

T0 = datetime(2026, 1, 5, 9, 30, 0, tzinfo=UTC)


def credential(
    instance: str, suffix: str, *, created_at: datetime = T0, **changes: object
) -> StoredCredential:
    values: dict[str, object] = {
        "id": f"client-{instance}-{suffix}",
        "instance": instance,
        "kind": "client_secret",
        "secret_hash": "ab" * 32,
        "read_only": False,
        "label": "",
        "created_at": created_at,
    }
    values.update(changes)
    return StoredCredential(**values)  # type: ignore[arg-type]


def table_names(connection: Connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())


def downgrade_to_0003(connection: Connection) -> None:
    config = Config(str(ALEMBIC_INI))
    config.attributes["connection"] = connection
    command.downgrade(config, "0003")


async def test_store_exposes_credentials(store: Store) -> None:
    assert isinstance(store.credentials, CredentialStore)


async def test_add_then_get(store: Store, instance: str) -> None:
    added = credential(instance, "a", read_only=True, label="Entra ID, Zürich")
    await store.credentials.add(added)

    found = await store.credentials.get(added.id)

    assert found == added
    assert found is not None
    assert found.created_at.tzinfo is not None
    assert not found.revoked


async def test_get_unknown(store: Store, instance: str) -> None:
    assert await store.credentials.get(f"client-{instance}-missing") is None


async def test_add_converts_time_to_utc(store: Store, instance: str) -> None:
    local = T0.astimezone(timezone(timedelta(hours=5)))
    await store.credentials.add(credential(instance, "a", created_at=local))

    found = await store.credentials.get(f"client-{instance}-a")

    assert found is not None
    assert found.created_at == T0
    assert found.created_at.utcoffset() == timedelta(0)


async def test_add_duplicate_id_rejected(store: Store, instance: str) -> None:
    await store.credentials.add(credential(instance, "a"))
    with pytest.raises(StoreError, match="adding a client credential failed"):
        await store.credentials.add(credential(instance, "a", label="second"))


async def test_list_by_instance_oldest_first(store: Store, instance: str) -> None:
    other = f"{instance}-other"
    await store.credentials.add(credential(instance, "b", created_at=T0 + timedelta(minutes=1)))
    await store.credentials.add(credential(instance, "a", created_at=T0 + timedelta(minutes=1)))
    await store.credentials.add(credential(instance, "c"))
    await store.credentials.add(credential(other, "d"))

    listed = await store.credentials.list(instance)

    assert [found.id for found in listed] == [
        f"client-{instance}-c",
        f"client-{instance}-a",
        f"client-{instance}-b",
    ]


async def test_list_all_instances(store: Store, instance: str) -> None:
    other = f"{instance}-other"
    await store.credentials.add(credential(instance, "a"))
    await store.credentials.add(credential(other, "b"))

    listed = {found.id for found in await store.credentials.list()}

    assert {f"client-{instance}-a", f"client-{other}-b"} <= listed


async def test_list_unknown_instance_empty(store: Store, instance: str) -> None:
    assert await store.credentials.list(instance) == []


async def test_revoke(store: Store, instance: str) -> None:
    await store.credentials.add(credential(instance, "a"))
    revoked_at = T0 + timedelta(hours=1)

    revoked = await store.credentials.revoke(f"client-{instance}-a", now=revoked_at)

    assert revoked is not None
    assert revoked.revoked_at == revoked_at
    assert revoked.revoked
    assert await store.credentials.get(f"client-{instance}-a") == revoked


async def test_revoke_twice_keeps_first_time(store: Store, instance: str) -> None:
    await store.credentials.add(credential(instance, "a"))
    await store.credentials.revoke(f"client-{instance}-a", now=T0 + timedelta(hours=1))

    again = await store.credentials.revoke(f"client-{instance}-a", now=T0 + timedelta(hours=2))

    assert again is not None
    assert again.revoked_at == T0 + timedelta(hours=1)


async def test_revoke_unknown(store: Store, instance: str) -> None:
    assert await store.credentials.revoke(f"client-{instance}-missing") is None


async def test_revoke_naive_time_rejected(store: Store, instance: str) -> None:
    await store.credentials.add(credential(instance, "a"))
    with pytest.raises(ValueError, match="naive"):
        await store.credentials.revoke(f"client-{instance}-a", now=datetime(2026, 1, 1))


async def test_created_secret_stored_hashed(store: Store, instance: str) -> None:
    issued = await create_credential(store.credentials, instance, label="Okta")

    statement = select(ClientCredentialRow).where(ClientCredentialRow.id == issued.credential.id)
    async with store.engine.connect() as connection:
        row = (await connection.execute(statement)).one()

    assert row.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret not in [str(value) for value in row]
    assert len(issued.secret) >= 43  # 32 random bytes in URL-safe base64
    assert row.kind == "client_secret"
    assert row.label == "Okta"


async def test_created_static_token_names_its_id(store: Store, instance: str) -> None:
    issued = await create_credential(store.credentials, instance, static_token=True, read_only=True)

    digits = issued.credential.id.removeprefix("token-")
    assert issued.secret.startswith(f"sbt_{digits}_")
    stored = await store.credentials.get(issued.credential.id)
    assert stored is not None
    assert stored.kind == "static_token"
    assert stored.read_only


async def test_gateway_key_generated_once(store: Store, instance: str) -> None:
    name = f"key-{instance}"
    first = await store.credentials.gateway_key(name, lambda: "first-key")
    second = await store.credentials.gateway_key(name, lambda: "second-key")

    assert first == "first-key"
    assert second == "first-key"


async def test_gateway_key_shared_by_stores(store_url: str, instance: str) -> None:
    name = f"key-{instance}"
    first_store, second_store = await open_store(store_url), await open_store(store_url)
    try:
        keys = await asyncio.gather(
            first_store.credentials.gateway_key(name, lambda: "from-first"),
            second_store.credentials.gateway_key(name, lambda: "from-second"),
        )
    finally:
        await first_store.close()
        await second_store.close()

    assert keys[0] == keys[1]
    assert keys[0] in ("from-first", "from-second")


async def test_credential_survives_reopen(store_url: str, instance: str) -> None:
    async with await open_store(store_url) as store:
        await store.credentials.add(credential(instance, "a"))
    async with await open_store(store_url) as reopened:
        found = await reopened.credentials.get(f"client-{instance}-a")
    assert found == credential(instance, "a")


async def test_downgrade_drops_tables(store_url: str) -> None:
    store = await open_store(store_url)
    try:
        async with store.engine.begin() as connection:
            before = await connection.run_sync(table_names)
            await connection.run_sync(downgrade_to_0003)
            after = await connection.run_sync(table_names)
    finally:
        await store.close()

    # Opening the store migrates to the newest revision again, which also
    # leaves the shared PostgreSQL database ready for the next tests.
    async with await open_store(store_url) as reopened, reopened.engine.connect() as connection:
        upgraded = await connection.run_sync(table_names)

    assert {"client_credentials", "gateway_keys"} <= set(before)
    assert "client_credentials" not in after
    assert "gateway_keys" not in after
    assert "deleted_resources" in after
    assert {"client_credentials", "gateway_keys"} <= set(upgraded)
