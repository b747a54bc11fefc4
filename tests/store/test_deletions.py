from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Connection

from scimbridge.errors import StoreError
from scimbridge.store import DeletionStore, Store, open_store
from scimbridge.store.database import ALEMBIC_INI
from scimbridge.store.deletions import MAX_NAME_LENGTH
from scimbridge.store.models import DeletedResourceRow

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
T2 = T0 + timedelta(minutes=10)


async def stored_rows(store: Store, instance: str) -> list[tuple[str, str | None, datetime]]:
    """Read the instance's deletion records directly, as (resource id, name, deleted at)."""
    statement = select(
        DeletedResourceRow.resource_id, DeletedResourceRow.name, DeletedResourceRow.deleted_at
    ).where(DeletedResourceRow.instance == instance)
    async with store.engine.connect() as connection:
        result = await connection.execute(statement)
        rows = [(row.resource_id, row.name, row.deleted_at) for row in result]
    return sorted(rows)


def table_names(connection: Connection) -> list[str]:
    return sorted(inspect(connection).get_table_names())


def alembic_config(connection: Connection) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["connection"] = connection
    return config


def downgrade_to_0002(connection: Connection) -> None:
    command.downgrade(alembic_config(connection), "0002")


async def test_store_exposes_deletions(store: Store) -> None:
    assert isinstance(store.deletions, DeletionStore)


async def test_record_then_is_deleted(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "ada@example.com")

    assert await store.deletions.is_deleted(instance, "User", "u1")
    assert not await store.deletions.is_deleted(instance, "User", "u2")


async def test_is_deleted_unknown_instance(store: Store, instance: str) -> None:
    assert not await store.deletions.is_deleted(instance, "User", "never-seen")


async def test_record_stores_folded_name_and_time(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "Ada.Lovelace@Example.COM", now=T0)

    assert await stored_rows(store, instance) == [("u1", "ada.lovelace@example.com", T0)]


async def test_record_converts_time_to_utc(store: Store, instance: str) -> None:
    plus_one_hour = T0.astimezone(timezone(timedelta(hours=1)))

    await store.deletions.record(instance, "User", "u1", "ada@example.com", now=plus_one_hour)

    [(_, _, deleted_at)] = await stored_rows(store, instance)
    assert deleted_at == T0
    assert deleted_at.utcoffset() == timedelta(0)


async def test_record_naive_time_rejected(
    store: Store, instance: str, statements: Counter[str]
) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.deletions.record(
            instance, "User", "u1", "ada@example.com", now=datetime(2025, 3, 1, 12, 0, 0)
        )

    assert statements == Counter()


async def test_record_overwrites(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "old@example.com", now=T0)

    await store.deletions.record(instance, "User", "u1", "new@example.com", now=T1)

    assert await stored_rows(store, instance) == [("u1", "new@example.com", T1)]
    assert await store.deletions.find_by_name(instance, "User", "old@example.com") is None
    assert await store.deletions.find_by_name(instance, "User", "new@example.com") == "u1"
    assert await store.deletions.deleted_ids(instance, "User") == ["u1"]


async def test_record_without_name(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", None, now=T0)

    assert await store.deletions.is_deleted(instance, "User", "u1")
    assert await stored_rows(store, instance) == [("u1", None, T0)]
    assert await store.deletions.find_by_name(instance, "User", "") is None
    assert await store.deletions.find_by_name(instance, "User", "None") is None


async def test_record_none_replaces_name(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "ada@example.com", now=T0)

    await store.deletions.record(instance, "User", "u1", None, now=T1)

    assert await stored_rows(store, instance) == [("u1", None, T1)]
    assert await store.deletions.find_by_name(instance, "User", "ada@example.com") is None


async def test_record_max_length_name(store: Store, instance: str) -> None:
    longest = "x" * MAX_NAME_LENGTH

    await store.deletions.record(instance, "User", "u1", longest)

    assert await store.deletions.find_by_name(instance, "User", longest.upper()) == "u1"


async def test_record_too_long_name(store: Store, instance: str, statements: Counter[str]) -> None:
    too_long = "x" * (MAX_NAME_LENGTH + 1)

    with pytest.raises(ValueError, match="256 characters long after case folding"):
        await store.deletions.record(instance, "User", "u1", too_long)

    assert statements == Counter()


async def test_record_name_too_long_after_folding(
    store: Store, instance: str, statements: Counter[str]
) -> None:
    # "ß" folds to "ss", so 200 characters become 400.
    name = "ß" * 200

    with pytest.raises(ValueError, match="400 characters long after case folding"):
        await store.deletions.record(instance, "User", "u1", name)

    assert statements == Counter()


async def test_forget(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "ada@example.com")
    await store.deletions.record(instance, "User", "u2", "grace@example.com")
    await store.deletions.record(instance, "Group", "u1", "admins")

    await store.deletions.forget(instance, "User", "u1")

    assert not await store.deletions.is_deleted(instance, "User", "u1")
    assert await store.deletions.is_deleted(instance, "User", "u2")
    assert await store.deletions.is_deleted(instance, "Group", "u1")
    assert await store.deletions.deleted_ids(instance, "User") == ["u2"]
    assert await store.deletions.find_by_name(instance, "User", "ada@example.com") is None


async def test_forget_unknown_id(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "ada@example.com")

    await store.deletions.forget(instance, "User", "never-seen")

    assert await store.deletions.deleted_ids(instance, "User") == ["u1"]


async def test_forget_then_record_again(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "ada@example.com", now=T0)
    await store.deletions.forget(instance, "User", "u1")

    await store.deletions.record(instance, "User", "u1", "ada@example.com", now=T1)

    assert await store.deletions.is_deleted(instance, "User", "u1")
    assert await stored_rows(store, instance) == [("u1", "ada@example.com", T1)]


async def test_deleted_ids_sorted(store: Store, instance: str) -> None:
    for resource_id in ["b", "B", "10", "9", "_x", "a", "Ä"]:
        await store.deletions.record(instance, "User", resource_id, None)

    found = await store.deletions.deleted_ids(instance, "User")

    assert found == ["10", "9", "B", "_x", "a", "b", "Ä"]


async def test_deleted_ids_empty(store: Store, instance: str) -> None:
    assert await store.deletions.deleted_ids(instance, "User") == []


async def test_deleted_ids_one_select(
    store: Store, instance: str, statements: Counter[str]
) -> None:
    for n in range(50):
        await store.deletions.record(instance, "User", f"user-{n:02d}", None)
    statements.clear()

    found = await store.deletions.deleted_ids(instance, "User")

    assert len(found) == 50
    assert statements["SELECT"] == 1


async def test_keys_by_instance_and_type(store: Store, instance: str) -> None:
    other_instance = instance + "-other"
    await store.deletions.record(instance, "User", "u1", "same@example.com")
    await store.deletions.record(instance, "Group", "g1", "same@example.com")
    await store.deletions.record(other_instance, "User", "u2", "same@example.com")

    assert await store.deletions.deleted_ids(instance, "User") == ["u1"]
    assert await store.deletions.deleted_ids(instance, "Group") == ["g1"]
    assert await store.deletions.deleted_ids(other_instance, "User") == ["u2"]
    assert await store.deletions.deleted_ids(instance, "Device") == []
    assert not await store.deletions.is_deleted(instance, "Group", "u1")
    assert not await store.deletions.is_deleted(other_instance, "User", "u1")
    assert await store.deletions.find_by_name(instance, "User", "same@example.com") == "u1"
    assert await store.deletions.find_by_name(instance, "Group", "same@example.com") == "g1"
    assert await store.deletions.find_by_name(other_instance, "User", "same@example.com") == "u2"
    assert await store.deletions.find_by_name(instance, "Device", "same@example.com") is None


async def test_find_by_name_ignores_case(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "Ada.Lovelace@Example.com")

    for query in [
        "Ada.Lovelace@Example.com",
        "ada.lovelace@example.com",
        "ADA.LOVELACE@EXAMPLE.COM",
    ]:
        assert await store.deletions.find_by_name(instance, "User", query) == "u1", query


async def test_find_by_name_ignores_case_beyond_ascii(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "ÅSA.ÖBERG@example.com")
    await store.deletions.record(instance, "User", "u2", "Straße@example.com")
    await store.deletions.record(instance, "User", "u3", "ΣΊΣΥΦΟΣ@example.com")

    assert await store.deletions.find_by_name(instance, "User", "åsa.öberg@example.com") == "u1"
    assert await store.deletions.find_by_name(instance, "User", "STRASSE@example.com") == "u2"
    assert await store.deletions.find_by_name(instance, "User", "σίσυφος@example.com") == "u3"


async def test_find_by_name_exact_otherwise(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "ada@example.com")

    assert await store.deletions.find_by_name(instance, "User", " ada@example.com") is None
    assert await store.deletions.find_by_name(instance, "User", "ada@example.co") is None
    assert await store.deletions.find_by_name(instance, "User", "ada%") is None
    assert await store.deletions.find_by_name(instance, "User", "ada_example.com") is None


async def test_find_by_name_missing(store: Store, instance: str) -> None:
    assert await store.deletions.find_by_name(instance, "User", "ada@example.com") is None


async def test_find_by_name_newest_wins(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "shared@example.com", now=T0)
    await store.deletions.record(instance, "User", "u2", "Shared@example.com", now=T2)
    await store.deletions.record(instance, "User", "u3", "SHARED@example.com", now=T1)

    assert await store.deletions.find_by_name(instance, "User", "shared@example.com") == "u2"


async def test_find_by_name_tie_smallest_id(store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u9", "shared@example.com", now=T1)
    await store.deletions.record(instance, "User", "u5", "shared@example.com", now=T1)
    await store.deletions.record(instance, "User", "u7", "shared@example.com", now=T0)

    assert await store.deletions.find_by_name(instance, "User", "shared@example.com") == "u5"


async def test_record_survives_reopen(store_url: str, store: Store, instance: str) -> None:
    await store.deletions.record(instance, "User", "u1", "ada@example.com")

    reopened = await open_store(store_url)
    try:
        is_deleted = await reopened.deletions.is_deleted(instance, "User", "u1")
        found = await reopened.deletions.find_by_name(instance, "User", "ADA@example.com")
    finally:
        await reopened.close()

    assert is_deleted
    assert found == "u1"


async def test_downgrade_drops_table(store_url: str) -> None:
    store = await open_store(store_url)
    try:
        async with store.engine.begin() as connection:
            before = await connection.run_sync(table_names)
            await connection.run_sync(downgrade_to_0002)
            after = await connection.run_sync(table_names)
    finally:
        await store.close()

    # Opening the store migrates to the newest revision again, which also
    # leaves the shared PostgreSQL database ready for the next tests.
    async with await open_store(store_url) as reopened, reopened.engine.connect() as connection:
        upgraded = await connection.run_sync(table_names)

    assert "deleted_resources" in before
    assert "deleted_resources" not in after
    assert "external_ids" in after
    assert "deleted_resources" in upgraded


async def test_error_names_operation(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    try:
        async with store.engine.begin() as connection:
            await connection.execute(text("DROP TABLE deleted_resources"))

        with pytest.raises(StoreError, match="recording a deletion failed: no such table"):
            await store.deletions.record("i", "User", "u1", "ada@example.com")
        with pytest.raises(StoreError, match="deleting a deletion record failed: no such table"):
            await store.deletions.forget("i", "User", "u1")
        with pytest.raises(StoreError, match="reading a deletion record failed: no such table"):
            await store.deletions.is_deleted("i", "User", "u1")
        with pytest.raises(StoreError, match="listing deleted ids failed: no such table"):
            await store.deletions.deleted_ids("i", "User")
        with pytest.raises(StoreError, match="finding a deletion by name failed: no such table"):
            await store.deletions.find_by_name("i", "User", "ada@example.com")
    finally:
        await store.close()
