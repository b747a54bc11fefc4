from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta, timezone

import pytest

from scimbridge.store import ResourceMeta, Store, open_store

T0 = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)
T2 = T0 + timedelta(hours=2)


async def test_observe_new_id(store: Store, instance: str) -> None:
    dates = await store.meta.observe(instance, "User", [("u1", "hash-a")], now=T0)

    assert dates == {"u1": ResourceMeta(created=T0, last_modified=T0)}
    assert dates["u1"].created.tzinfo is not None
    assert dates["u1"].created.utcoffset() == timedelta(0)


async def test_observe_unchanged_hash(store: Store, instance: str) -> None:
    await store.meta.observe(instance, "User", [("u1", "hash-a")], now=T0)

    dates = await store.meta.observe(instance, "User", [("u1", "hash-a")], now=T1)

    assert dates["u1"] == ResourceMeta(created=T0, last_modified=T0)


async def test_observe_changed_hash(store: Store, instance: str) -> None:
    await store.meta.observe(instance, "User", [("u1", "hash-a")], now=T0)

    changed = await store.meta.observe(instance, "User", [("u1", "hash-b")], now=T1)
    again = await store.meta.observe(instance, "User", [("u1", "hash-b")], now=T2)

    assert changed["u1"] == ResourceMeta(created=T0, last_modified=T1)
    assert again["u1"] == ResourceMeta(created=T0, last_modified=T1)


async def test_observe_mixed_batch(store: Store, instance: str) -> None:
    await store.meta.observe(instance, "User", [("same", "h1"), ("edited", "h2")], now=T0)

    dates = await store.meta.observe(
        instance, "User", [("same", "h1"), ("edited", "h2-new"), ("fresh", "h3")], now=T1
    )

    assert list(dates) == ["same", "edited", "fresh"]
    assert dates["same"] == ResourceMeta(created=T0, last_modified=T0)
    assert dates["edited"] == ResourceMeta(created=T0, last_modified=T1)
    assert dates["fresh"] == ResourceMeta(created=T1, last_modified=T1)


async def test_observe_empty_batch(store: Store, instance: str, statements: Counter[str]) -> None:
    assert await store.meta.observe(instance, "User", [], now=T0) == {}
    assert statements == Counter()


async def test_observe_duplicate_id_last_hash(store: Store, instance: str) -> None:
    await store.meta.observe(instance, "User", [("u1", "old"), ("u1", "new")], now=T0)

    dates = await store.meta.observe(instance, "User", [("u1", "new")], now=T1)

    assert dates["u1"] == ResourceMeta(created=T0, last_modified=T0)


async def test_observe_converts_to_utc(store: Store, instance: str) -> None:
    paris = T0.astimezone(timezone(timedelta(hours=1)))

    dates = await store.meta.observe(instance, "User", [("u1", "h")], now=paris)

    assert dates["u1"].created == T0
    assert dates["u1"].created.utcoffset() == timedelta(0)


async def test_observe_naive_now(store: Store, instance: str) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.meta.observe(instance, "User", [("u1", "h")], now=datetime(2025, 1, 1))


async def test_observe_default_now(store: Store, instance: str) -> None:
    before = datetime.now(UTC)
    dates = await store.meta.observe(instance, "User", [("u1", "h")])
    after = datetime.now(UTC)

    assert before <= dates["u1"].created <= after
    assert dates["u1"].last_modified == dates["u1"].created


async def test_observe_keys_by_instance_and_type(store: Store, instance: str) -> None:
    await store.meta.observe(instance, "User", [("42", "h")], now=T0)

    group = await store.meta.observe(instance, "Group", [("42", "h")], now=T1)
    other = await store.meta.observe(instance + "-other", "User", [("42", "h")], now=T2)

    assert group["42"] == ResourceMeta(created=T1, last_modified=T1)
    assert other["42"] == ResourceMeta(created=T2, last_modified=T2)


async def test_observe_batch_statement_count(
    store: Store, instance: str, statements: Counter[str]
) -> None:
    ids = [f"user-{n:03d}" for n in range(500)]

    first = await store.meta.observe(instance, "User", [(i, "v1") for i in ids], now=T0)
    assert statements["SELECT"] == 1
    assert statements["INSERT"] == 1
    assert statements["UPDATE"] == 0

    statements.clear()
    half_changed = [(i, "v2" if n % 2 else "v1") for n, i in enumerate(ids)]
    second = await store.meta.observe(instance, "User", half_changed, now=T1)
    assert statements["SELECT"] == 1
    assert statements["INSERT"] == 0
    assert statements["UPDATE"] == 1

    statements.clear()
    third = await store.meta.observe(instance, "User", half_changed, now=T2)
    assert statements["SELECT"] == 1
    assert statements["INSERT"] == 0
    assert statements["UPDATE"] == 0

    assert len(first) == 500
    assert set(first.values()) == {ResourceMeta(T0, T0)}
    assert second["user-000"] == ResourceMeta(T0, T0)
    assert second["user-001"] == ResourceMeta(T0, T1)
    assert sum(1 for meta in second.values() if meta.last_modified == T1) == 250
    assert third == second


async def test_observe_concurrent_inserts(store_url: str, store: Store, instance: str) -> None:
    other = await open_store(store_url)
    pairs = [(f"u{n}", "h") for n in range(50)]
    try:
        left, right = await asyncio.gather(
            store.meta.observe(instance, "User", pairs, now=T0),
            other.meta.observe(instance, "User", pairs, now=T1),
        )
    finally:
        await other.close()

    stored = await store.meta.observe(instance, "User", pairs, now=T2)
    assert left == stored
    assert right == stored


async def test_observe_survives_reopen(store_url: str, store: Store, instance: str) -> None:
    await store.meta.observe(instance, "User", [("u1", "h")], now=T0)

    reopened = await open_store(store_url)
    try:
        dates = await reopened.meta.observe(instance, "User", [("u1", "h")], now=T1)
    finally:
        await reopened.close()

    assert dates["u1"] == ResourceMeta(created=T0, last_modified=T0)


async def test_record_write_created(store: Store, instance: str) -> None:
    written = await store.meta.record_write(instance, "User", "u1", "h1", created=True, now=T0)
    read = await store.meta.observe(instance, "User", [("u1", "h1")], now=T1)

    assert written == ResourceMeta(created=T0, last_modified=T0)
    assert read["u1"] == ResourceMeta(created=T0, last_modified=T0)


async def test_record_write_updated(store: Store, instance: str) -> None:
    await store.meta.record_write(instance, "User", "u1", "h1", created=True, now=T0)

    written = await store.meta.record_write(instance, "User", "u1", "h2", created=False, now=T1)
    read = await store.meta.observe(instance, "User", [("u1", "h2")], now=T2)

    assert written == ResourceMeta(created=T0, last_modified=T1)
    assert read["u1"] == ResourceMeta(created=T0, last_modified=T1)


async def test_record_write_updated_unknown_id(store: Store, instance: str) -> None:
    written = await store.meta.record_write(instance, "User", "u1", "h1", created=False, now=T1)

    assert written == ResourceMeta(created=T1, last_modified=T1)


async def test_record_write_recreated(store: Store, instance: str) -> None:
    await store.meta.observe(instance, "User", [("u1", "h1")], now=T0)

    written = await store.meta.record_write(instance, "User", "u1", "h1", created=True, now=T2)
    read = await store.meta.observe(instance, "User", [("u1", "h1")], now=T2 + timedelta(minutes=1))

    assert written == ResourceMeta(created=T2, last_modified=T2)
    assert read["u1"] == ResourceMeta(created=T2, last_modified=T2)


async def test_forget(store: Store, instance: str) -> None:
    await store.meta.observe(instance, "User", [("u1", "h"), ("u2", "h")], now=T0)

    await store.meta.forget(instance, "User", "u1")
    dates = await store.meta.observe(instance, "User", [("u1", "h"), ("u2", "h")], now=T1)

    assert dates["u1"] == ResourceMeta(created=T1, last_modified=T1)
    assert dates["u2"] == ResourceMeta(created=T0, last_modified=T0)


async def test_forget_unknown_id(store: Store, instance: str) -> None:
    await store.meta.forget(instance, "User", "never-seen")

    dates = await store.meta.observe(instance, "User", [("never-seen", "h")], now=T0)
    assert dates["never-seen"] == ResourceMeta(created=T0, last_modified=T0)


async def test_sqlite_two_stores_concurrent_writes(sqlite_url: str, instance: str) -> None:
    first = await open_store(sqlite_url)
    second = await open_store(sqlite_url)
    try:
        writes: list[Awaitable[object]] = []
        for n in range(40):
            writer = first if n % 2 else second
            writes.append(writer.meta.record_write(instance, "User", f"u{n}", "h", created=True))
            writes.append(writer.meta.observe(instance, "User", [(f"u{n}", "h2"), ("x", "h")]))
        await asyncio.gather(*writes)

        dates = await first.meta.observe(instance, "User", [(f"u{n}", "h2") for n in range(40)])
    finally:
        await first.close()
        await second.close()

    assert len(dates) == 40
