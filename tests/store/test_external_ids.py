from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from scimbridge.errors import StoreError
from scimbridge.store import ResourceMeta, Store, open_store
from scimbridge.store.external_ids import MAX_EXTERNAL_ID_LENGTH

T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


async def test_set_then_get(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "u1", "entra-7f3a")
    await store.external_ids.set(instance, "User", "u2", "entra-91bc")

    found = await store.external_ids.get_many(instance, "User", ["u1", "u2"])

    assert found == {"u1": "entra-7f3a", "u2": "entra-91bc"}


async def test_get_many_leaves_out_missing(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "u1", "entra-7f3a")

    found = await store.external_ids.get_many(instance, "User", ["u1", "u2", "u1"])

    assert found == {"u1": "entra-7f3a"}


async def test_get_many_empty(store: Store, instance: str, statements: Counter[str]) -> None:
    assert await store.external_ids.get_many(instance, "User", []) == {}
    assert statements == Counter()


async def test_set_overwrites(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "u1", "old")

    await store.external_ids.set(instance, "User", "u1", "new")

    assert await store.external_ids.get_many(instance, "User", ["u1"]) == {"u1": "new"}
    assert await store.external_ids.find(instance, "User", ["old", "new"]) == {"new": ["u1"]}


async def test_set_none_deletes(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "u1", "entra-7f3a")
    await store.external_ids.set(instance, "User", "u2", "entra-91bc")

    await store.external_ids.set(instance, "User", "u1", None)

    assert await store.external_ids.get_many(instance, "User", ["u1", "u2"]) == {"u2": "entra-91bc"}
    assert await store.external_ids.find(instance, "User", ["entra-7f3a"]) == {}


async def test_set_none_unknown_id(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "never-seen", None)

    assert await store.external_ids.get_many(instance, "User", ["never-seen"]) == {}


async def test_set_keeps_unicode_and_spaces(store: Store, instance: str) -> None:
    value = " Åsa Öberg\tΩ "

    await store.external_ids.set(instance, "User", "u1", value)

    assert await store.external_ids.get_many(instance, "User", ["u1"]) == {"u1": value}
    assert await store.external_ids.find(instance, "User", [value]) == {value: ["u1"]}
    assert await store.external_ids.find(instance, "User", [value.strip()]) == {}


async def test_set_max_length(store: Store, instance: str) -> None:
    longest = "x" * MAX_EXTERNAL_ID_LENGTH

    await store.external_ids.set(instance, "User", "u1", longest)

    assert await store.external_ids.get_many(instance, "User", ["u1"]) == {"u1": longest}


async def test_set_too_long(store: Store, instance: str, statements: Counter[str]) -> None:
    too_long = "x" * (MAX_EXTERNAL_ID_LENGTH + 1)

    with pytest.raises(ValueError, match="256 characters long: the maximum is 255"):
        await store.external_ids.set(instance, "User", "u1", too_long)

    assert statements == Counter()


async def test_find_several(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "u1", "ext-a")
    await store.external_ids.set(instance, "User", "u2", "ext-b")
    await store.external_ids.set(instance, "User", "u3", "ext-c")

    found = await store.external_ids.find(instance, "User", ["ext-a", "ext-c", "ext-missing"])

    assert found == {"ext-a": ["u1"], "ext-c": ["u3"]}


async def test_find_shared_value(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "u9", "shared")
    await store.external_ids.set(instance, "User", "u1", "shared")
    await store.external_ids.set(instance, "User", "u5", "alone")

    found = await store.external_ids.find(instance, "User", ["shared", "alone"])

    assert found == {"shared": ["u1", "u9"], "alone": ["u5"]}


async def test_find_case_exact(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "lower", "abc-def")
    await store.external_ids.set(instance, "User", "upper", "ABC-DEF")

    assert await store.external_ids.find(instance, "User", ["abc-def"]) == {"abc-def": ["lower"]}
    assert await store.external_ids.find(instance, "User", ["ABC-DEF"]) == {"ABC-DEF": ["upper"]}
    assert await store.external_ids.find(instance, "User", ["Abc-Def"]) == {}


async def test_find_one_select(store: Store, instance: str, statements: Counter[str]) -> None:
    await store.external_ids.set(instance, "User", "u1", "ext-a")
    await store.external_ids.set(instance, "User", "u2", "ext-b")
    statements.clear()

    found = await store.external_ids.find(instance, "User", ["ext-a", "ext-b", "ext-a"])

    assert found == {"ext-a": ["u1"], "ext-b": ["u2"]}
    assert statements["SELECT"] == 1


async def test_find_empty(store: Store, instance: str, statements: Counter[str]) -> None:
    assert await store.external_ids.find(instance, "User", []) == {}
    assert statements == Counter()


async def test_get_many_keys_by_instance_and_type(store: Store, instance: str) -> None:
    other_instance = instance + "-other"
    await store.external_ids.set(instance, "User", "42", "user-ext")
    await store.external_ids.set(instance, "Group", "42", "group-ext")
    await store.external_ids.set(other_instance, "User", "42", "other-ext")

    users = await store.external_ids.get_many(instance, "User", ["42"])
    groups = await store.external_ids.get_many(instance, "Group", ["42"])
    other_users = await store.external_ids.get_many(other_instance, "User", ["42"])

    assert users == {"42": "user-ext"}
    assert groups == {"42": "group-ext"}
    assert other_users == {"42": "other-ext"}


async def test_find_keys_by_instance_and_type(store: Store, instance: str) -> None:
    other_instance = instance + "-other"
    await store.external_ids.set(instance, "User", "u1", "same-ext")
    await store.external_ids.set(instance, "Group", "g1", "same-ext")
    await store.external_ids.set(other_instance, "User", "u2", "same-ext")

    users = await store.external_ids.find(instance, "User", ["same-ext"])
    groups = await store.external_ids.find(instance, "Group", ["same-ext"])
    other_users = await store.external_ids.find(other_instance, "User", ["same-ext"])
    unknown_type = await store.external_ids.find(instance, "Device", ["same-ext"])

    assert users == {"same-ext": ["u1"]}
    assert groups == {"same-ext": ["g1"]}
    assert other_users == {"same-ext": ["u2"]}
    assert unknown_type == {}


async def test_forget(store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "u1", "ext-a")
    await store.external_ids.set(instance, "User", "u2", "ext-b")
    await store.external_ids.set(instance, "Group", "u1", "ext-g")

    await store.external_ids.forget(instance, "User", "u1")

    assert await store.external_ids.get_many(instance, "User", ["u1", "u2"]) == {"u2": "ext-b"}
    assert await store.external_ids.get_many(instance, "Group", ["u1"]) == {"u1": "ext-g"}
    assert await store.external_ids.find(instance, "User", ["ext-a"]) == {}


async def test_forget_unknown_id(store: Store, instance: str) -> None:
    await store.external_ids.forget(instance, "User", "never-seen")

    assert await store.external_ids.get_many(instance, "User", ["never-seen"]) == {}


async def test_forget_keeps_metadata(store: Store, instance: str) -> None:
    await store.meta.record_write(instance, "User", "u1", "hash", created=True, now=T0)
    await store.external_ids.set(instance, "User", "u1", "ext-a")

    await store.external_ids.forget(instance, "User", "u1")

    dates = await store.meta.observe(instance, "User", [("u1", "hash")], now=T1)
    assert dates["u1"] == ResourceMeta(created=T0, last_modified=T0)
    assert await store.external_ids.get_many(instance, "User", ["u1"]) == {}


async def test_get_many_batch_statement_count(
    store: Store, instance: str, statements: Counter[str]
) -> None:
    ids = [f"user-{n:03d}" for n in range(500)]
    for resource_id in ids[::2]:
        await store.external_ids.set(instance, "User", resource_id, f"ext-{resource_id}")
    statements.clear()

    found = await store.external_ids.get_many(instance, "User", ids)

    assert statements["SELECT"] == 1
    assert len(found) == 250
    assert found["user-000"] == "ext-user-000"
    assert found["user-498"] == "ext-user-498"
    assert "user-001" not in found


async def test_find_batch_statement_count(
    store: Store, instance: str, statements: Counter[str]
) -> None:
    for n in range(500):
        await store.external_ids.set(instance, "User", f"user-{n:03d}", f"ext-{n % 250:03d}")
    values = [f"ext-{n:03d}" for n in range(500)]
    statements.clear()

    found = await store.external_ids.find(instance, "User", values)

    assert statements["SELECT"] == 1
    assert len(found) == 250
    assert found["ext-000"] == ["user-000", "user-250"]
    assert found["ext-249"] == ["user-249", "user-499"]
    assert "ext-250" not in found


async def test_set_survives_reopen(store_url: str, store: Store, instance: str) -> None:
    await store.external_ids.set(instance, "User", "u1", "ext-a")

    reopened = await open_store(store_url)
    try:
        found = await reopened.external_ids.get_many(instance, "User", ["u1"])
    finally:
        await reopened.close()

    assert found == {"u1": "ext-a"}


async def test_error_names_operation(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    try:
        async with store.engine.begin() as connection:
            await connection.execute(text("DROP TABLE external_ids"))

        with pytest.raises(StoreError, match="writing an external id failed: no such table"):
            await store.external_ids.set("i", "User", "u1", "ext-a")
        with pytest.raises(StoreError, match="finding external ids failed: no such table"):
            await store.external_ids.find("i", "User", ["ext-a"])
    finally:
        await store.close()
