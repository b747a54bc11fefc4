"""The in-process cache of per-resource store state."""

from __future__ import annotations

from datetime import UTC, datetime

from scimbridge.store.metadata import ResourceMeta
from scimbridge.store.state_cache import ResourceState, StateCache

MOMENT = datetime(2026, 1, 1, tzinfo=UTC)
STATE = ResourceState('W/"abc"', ResourceMeta(MOMENT, MOMENT), "ext-1")
KEY = ("gotomeeting", "User", "1")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_put_then_get() -> None:
    cache = StateCache(ttl=30)
    cache.put(KEY, STATE)

    assert cache.get(KEY) == STATE
    assert cache.get(("gotomeeting", "User", "2")) is None


def test_entry_expires() -> None:
    clock = Clock()
    cache = StateCache(ttl=30, clock=clock)
    cache.put(KEY, STATE)

    clock.now += 31

    assert cache.get(KEY) is None


def test_zero_ttl_disables() -> None:
    cache = StateCache(ttl=0)
    cache.put(KEY, STATE)

    assert cache.get(KEY) is None


def test_oldest_entry_evicted() -> None:
    cache = StateCache(ttl=30, max_entries=2)
    first, second, third = (("i", "User", str(n)) for n in range(3))
    cache.put(first, STATE)
    cache.put(second, STATE)
    cache.get(first)
    cache.put(third, STATE)

    assert cache.get(first) == STATE
    assert cache.get(second) is None
    assert cache.get(third) == STATE


def test_drop_forgets() -> None:
    cache = StateCache(ttl=30)
    cache.put(KEY, STATE)
    cache.drop(KEY)

    assert cache.get(KEY) is None
