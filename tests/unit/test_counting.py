"""Exact counts by probing pages, and the count cache."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

import pytest

from scimbridge.connectors.counting import CountCache, count_by_probing
from scimbridge.errors import TargetError

PAGE_CAP = 50


class RecordList:
    """An in-memory list served page by page, like a target list call with limit and offset."""

    def __init__(self, records: Sequence[Any], *, growth_per_read: int = 0) -> None:
        self.records: Sequence[Any] = records
        self.growth_per_read = growth_per_read
        self.reads: list[tuple[int, int]] = []

    async def probe(self, limit: int, offset: int) -> int:
        self.reads.append((limit, offset))
        page = self.records[offset : offset + limit]
        if self.growth_per_read:
            self.records = range(len(self.records) + self.growth_per_read)
        return len(page)

    @property
    def offsets(self) -> list[int]:
        return [offset for _, offset in self.reads]


def users(count: int) -> list[dict[str, Any]]:
    return [{"id": number, "login": f"user{number}"} for number in range(1, count + 1)]


def probe_bound(count: int, page_cap: int, known_full_blocks: int = 0) -> int:
    """The bound the docstring of count_by_probing states: max(1, 2 * ceil(log2(f - s + 1)))."""
    full_blocks = count // page_cap
    return max(1, 2 * math.ceil(math.log2(full_blocks - known_full_blocks + 1)))


@pytest.mark.parametrize(
    ("count", "expected_probes"),
    [(0, 1), (1, 1), (49, 1), (50, 2), (51, 2), (99, 2), (100, 4), (10_000, 16)],
)
async def test_count_named_sizes(count: int, expected_probes: int) -> None:
    records = RecordList(users(count))

    result = await count_by_probing(records.probe, page_cap=PAGE_CAP)

    assert result == count
    assert len(records.reads) == expected_probes
    assert len(records.reads) <= probe_bound(count, PAGE_CAP)


async def test_count_reads_whole_pages() -> None:
    records = RecordList(users(10_000))

    await count_by_probing(records.probe, page_cap=PAGE_CAP)

    assert all(limit == PAGE_CAP for limit, _ in records.reads)
    assert all(offset % PAGE_CAP == 0 for offset in records.offsets)


async def test_count_every_size_to_3000() -> None:
    for count in range(3001):
        records = RecordList(range(count))

        result = await count_by_probing(records.probe, page_cap=PAGE_CAP)

        assert result == count, f"n={count}"
        assert len(records.reads) <= probe_bound(count, PAGE_CAP), f"n={count}: {records.reads}"


@pytest.mark.parametrize("page_cap", [1, 2, 7])
async def test_count_small_page_caps(page_cap: int) -> None:
    for count in range(400):
        records = RecordList(range(count))

        result = await count_by_probing(records.probe, page_cap=page_cap)

        assert result == count, f"n={count}"
        assert len(records.reads) <= probe_bound(count, page_cap), f"n={count}"


async def test_count_random_large_sizes() -> None:
    generator = random.Random(20_260_131)
    sizes = [generator.randrange(10**7) for _ in range(300)]
    sizes += [10**7, 10**7 - 1, 2**20 * PAGE_CAP, 2**20 * PAGE_CAP - 1]

    for count in sizes:
        records = RecordList(range(count))

        result = await count_by_probing(records.probe, page_cap=PAGE_CAP)

        assert result == count, f"n={count}"
        assert len(records.reads) <= probe_bound(count, PAGE_CAP), f"n={count}"


async def test_known_short_page_needs_no_probe() -> None:
    records = RecordList(users(137))

    result = await count_by_probing(records.probe, page_cap=PAGE_CAP, known=(100, 37))

    assert result == 137
    assert records.reads == []


async def test_known_empty_first_page_needs_no_probe() -> None:
    records = RecordList([])

    result = await count_by_probing(records.probe, page_cap=PAGE_CAP, known=(0, 0))

    assert result == 0
    assert records.reads == []


async def test_known_full_first_page_gallops_from_one() -> None:
    records = RecordList(users(10_000))

    result = await count_by_probing(records.probe, page_cap=PAGE_CAP, known=(0, PAGE_CAP))

    assert result == 10_000
    assert 0 not in records.offsets
    assert records.offsets[:9] == [50, 100, 200, 400, 800, 1600, 3200, 6400, 12800]
    assert len(records.reads) <= probe_bound(10_000, PAGE_CAP, known_full_blocks=1)


async def test_known_full_page_at_any_offset() -> None:
    generator = random.Random(7)
    for _ in range(500):
        count = generator.randrange(PAGE_CAP, 20_000)
        offset = generator.randrange(0, count - PAGE_CAP + 1)
        records = RecordList(range(count))
        known_full_blocks = (offset + PAGE_CAP) // PAGE_CAP

        result = await count_by_probing(records.probe, page_cap=PAGE_CAP, known=(offset, PAGE_CAP))

        assert result == count, f"n={count}, offset={offset}"
        assert min(records.offsets, default=count) >= known_full_blocks * PAGE_CAP
        assert len(records.reads) <= probe_bound(count, PAGE_CAP, known_full_blocks)


async def test_known_empty_page_binary_searches_below_it() -> None:
    generator = random.Random(11)
    for _ in range(500):
        count = generator.randrange(0, 20_000)
        offset = generator.randrange(count, count + 5_000)
        if offset == 0:
            continue
        records = RecordList(range(count))

        result = await count_by_probing(records.probe, page_cap=PAGE_CAP, known=(offset, 0))

        assert result == count, f"n={count}, offset={offset}"
        assert max(records.offsets, default=0) < offset
        bound = math.ceil(math.log2(math.ceil(offset / PAGE_CAP) + 1))
        assert len(records.reads) <= bound, f"n={count}, offset={offset}"


async def test_huge_empty_offset_probes_bounded() -> None:
    for count in (0, 49, 50, 10_000, 123_457):
        records = RecordList(range(count))

        result = await count_by_probing(records.probe, page_cap=PAGE_CAP, known=(10**30, 0))

        assert result == count
        assert len(records.reads) <= probe_bound(count, PAGE_CAP, 0) + 1, f"n={count}"


async def test_growing_list_counts_within_range() -> None:
    records = RecordList(range(5_000), growth_per_read=7)

    result = await count_by_probing(records.probe, page_cap=PAGE_CAP)

    assert 5_000 <= result <= len(records.records)


async def test_probe_over_page_cap_raises() -> None:
    async def ignores_limit(limit: int, offset: int) -> int:
        return limit + 1

    with pytest.raises(TargetError, match="51 records for a page of at most 50"):
        await count_by_probing(ignores_limit, page_cap=PAGE_CAP)


async def test_endless_list_raises() -> None:
    reads: list[int] = []

    async def always_full(limit: int, offset: int) -> int:
        reads.append(offset)
        return limit

    with pytest.raises(TargetError, match="The list does not end"):
        await count_by_probing(always_full, page_cap=PAGE_CAP)
    assert len(reads) == 49


@pytest.mark.parametrize(
    ("page_cap", "known", "message"),
    [
        (0, None, "page_cap must be at least 1"),
        (PAGE_CAP, (-1, 10), "known offset must be 0 or more"),
        (PAGE_CAP, (0, 51), "known rows must be between 0 and page_cap"),
        (PAGE_CAP, (0, -1), "known rows must be between 0 and page_cap"),
    ],
)
async def test_invalid_arguments_raise(
    page_cap: int, known: tuple[int, int] | None, message: str
) -> None:
    records = RecordList(users(10))

    with pytest.raises(ValueError, match=message):
        await count_by_probing(records.probe, page_cap=page_cap, known=known)
    assert records.reads == []


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_cache_returns_stored_count() -> None:
    cache = CountCache(10, clock=FakeClock())

    cache.put("active eq true", 42)

    assert cache.get("active eq true") == 42
    assert cache.get("other") is None


def test_cache_expires_after_ttl() -> None:
    clock = FakeClock()
    cache = CountCache(10, clock=clock)
    cache.put("q", 42)

    clock.now += 9.999
    assert cache.get("q") == 42

    clock.now += 0.001
    assert cache.get("q") is None
    assert len(cache) == 0


def test_cache_put_renews_ttl() -> None:
    clock = FakeClock()
    cache = CountCache(10, clock=clock)
    cache.put("q", 1)

    clock.now += 6
    cache.put("q", 2)
    clock.now += 6

    assert cache.get("q") == 2


def test_cache_ttl_zero_disables() -> None:
    cache = CountCache(0, clock=FakeClock())

    cache.put("q", 42)

    assert cache.get("q") is None
    assert len(cache) == 0


def test_cache_invalidate_drops_everything() -> None:
    cache = CountCache(10, clock=FakeClock())
    cache.put("a", 1)
    cache.put("b", 2)

    cache.invalidate()

    assert cache.get("a") is None
    assert cache.get("b") is None
    assert len(cache) == 0


def test_cache_put_after_invalidate_is_ignored() -> None:
    cache = CountCache(10, clock=FakeClock())
    before_write = cache.generation

    cache.invalidate()
    cache.put("q", 42, generation=before_write)
    assert cache.get("q") is None

    cache.put("q", 43, generation=cache.generation)
    assert cache.get("q") == 43


def test_cache_drops_oldest_beyond_max_keys() -> None:
    cache = CountCache(10, max_keys=3, clock=FakeClock())
    for number, key in enumerate(["a", "b", "c"]):
        cache.put(key, number)

    cache.put("a", 10)
    cache.put("d", 3)

    assert len(cache) == 3
    assert cache.get("b") is None
    assert cache.get("a") == 10
    assert cache.get("c") == 2
    assert cache.get("d") == 3


def test_cache_default_max_keys() -> None:
    cache = CountCache(10, clock=FakeClock())
    for number in range(1100):
        cache.put(f"q{number}", number)

    assert len(cache) == 1024
    assert cache.get("q75") is None
    assert cache.get("q76") == 76


@pytest.mark.parametrize(
    ("ttl", "max_keys", "message"),
    [(-1, 10, "ttl_seconds must be 0 or more"), (10, 0, "max_keys must be at least 1")],
)
def test_cache_invalid_settings_raise(ttl: float, max_keys: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        CountCache(ttl, max_keys=max_keys)
