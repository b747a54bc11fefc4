from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from scimbridge.store import AuditEntry, Store

T0 = datetime(2025, 3, 1, 12, 0, 0, 250000, tzinfo=UTC)


def make_entry(instance: str, **changes: object) -> AuditEntry:
    entry = AuditEntry(
        time=T0,
        instance=instance,
        client_id="okta-provisioning",
        method="POST",
        resource_type="User",
        resource_id="8812",
        target_calls=2,
        status=201,
        detail="created",
    )
    return replace(entry, **changes)  # type: ignore[arg-type]


async def test_record_round_trip(store: Store, instance: str) -> None:
    entry = make_entry(instance)

    await store.audit.record(entry)

    assert await store.audit.recent(instance, 10) == [entry]


async def test_record_optional_fields(store: Store, instance: str) -> None:
    entry = make_entry(instance, client_id=None, resource_id=None, status=400, detail="")

    await store.audit.record(entry)
    [stored] = await store.audit.recent(instance, 10)

    assert stored.client_id is None
    assert stored.resource_id is None
    assert stored.detail == ""
    assert stored.status == 400


async def test_recent_newest_first(store: Store, instance: str) -> None:
    times = [T0 + timedelta(seconds=s) for s in (5, 1, 9, 3)]
    for n, time in enumerate(times):
        await store.audit.record(make_entry(instance, time=time, resource_id=str(n)))

    recent = await store.audit.recent(instance, 10)

    assert [entry.time for entry in recent] == sorted(times, reverse=True)
    assert [entry.resource_id for entry in recent] == ["2", "0", "3", "1"]


async def test_recent_same_time(store: Store, instance: str) -> None:
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        await store.audit.record(make_entry(instance, method=method))

    recent = await store.audit.recent(instance, 10)

    assert [entry.method for entry in recent] == ["DELETE", "PATCH", "PUT", "POST"]


async def test_recent_limit(store: Store, instance: str) -> None:
    for second in range(5):
        await store.audit.record(make_entry(instance, time=T0 + timedelta(seconds=second)))

    recent = await store.audit.recent(instance, 2)

    assert [entry.time for entry in recent] == [
        T0 + timedelta(seconds=4),
        T0 + timedelta(seconds=3),
    ]


async def test_recent_by_instance(store: Store, instance: str) -> None:
    await store.audit.record(make_entry(instance, resource_id="mine"))
    await store.audit.record(make_entry(instance + "-other", resource_id="theirs"))

    recent = await store.audit.recent(instance, 10)

    assert [entry.resource_id for entry in recent] == ["mine"]


async def test_recent_unknown_instance(store: Store, instance: str) -> None:
    assert await store.audit.recent(instance, 10) == []


async def test_recent_invalid_limit(store: Store, instance: str) -> None:
    with pytest.raises(ValueError, match="limit=0"):
        await store.audit.recent(instance, 0)


async def test_record_naive_time(store: Store, instance: str) -> None:
    with pytest.raises(ValueError, match="naive"):
        await store.audit.record(make_entry(instance, time=datetime(2025, 1, 1)))
