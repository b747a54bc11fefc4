"""Exact record counts for target lists that page with limit and offset but report no total.

Coupa's list calls return a bare array of at most 50 records with no total,
while a SCIM list response needs an exact ``totalResults``.
``count_by_probing`` finds the count by reading a few pages chosen by
exponential and binary search, and ``CountCache`` keeps counts for a short
time so that paging through a list does not repeat the search for every page.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from scimbridge.errors import TargetError

ProbeRows = Callable[[int, int], Awaitable[int]]
"""``probe(limit, offset)``: read ``limit`` records from the 0-based ``offset`` and
return how many came back."""

_MAX_DOUBLINGS = 48
# Widest gap, in blocks, below an empty page that is binary-searched directly.
_MAX_SEARCH_SPAN = 1 << 16
"""Galloping stops here, at an offset of about 2**48 pages, which no real list reaches."""


async def count_by_probing(
    probe: ProbeRows, *, page_cap: int, known: tuple[int, int] | None = None
) -> int:
    """Count the records of a list by reading whole pages of ``page_cap`` records.

    The records are split into blocks: block ``k`` holds the records from
    offset ``k * page_cap``. A probe of a block returns ``page_cap`` (full),
    fewer but not zero (short: the count is then exact at once) or zero (empty).
    The search gallops from the first block not known to be full, ``s``, over
    the blocks ``s, s + 1, s + 3, s + 7, ...``, until a block is not full. Then,
    when that block is empty, it binary-searches between the last full and the
    first empty block. Without ``known``, ``s`` is 0; after a full first page it
    is 1, so the blocks probed are 1, 2, 4, 8, and so on.

    ``known`` is an observation the caller already has, ``(offset, rows)`` for
    one page read with ``limit = page_cap``, such as the page it is about to
    return. A short non-empty page gives the count with no probe, a full page
    at offset ``o`` shows that at least ``o + page_cap`` records exist, and an
    empty page at ``o`` shows that at most ``o`` exist.

    Number of probes, for ``n`` records and ``f = n // page_cap`` full blocks,
    when ``s`` blocks are known to be full (``s <= f``)::

        probes <= max(1, 2 * ceil(log2(f - s + 1)))

    because the gallop ends after ``i + 1`` probes at ``s + 2**i - 1 >= f``
    with ``i = ceil(log2(f - s + 1))``, and the binary search then has
    ``2**(i - 1)`` blocks to split, which takes at most ``i - 1`` probes.
    Without ``known`` that is 1 probe for fewer than ``page_cap`` records, 2 for
    ``page_cap``, and at most 16 for 10,000 records in pages of 50. After an
    empty page at offset ``o``, only the binary search runs, with at most
    ``ceil(log2(ceil(o / page_cap) + 1))`` probes, unless ``o`` lies more than
    ``2**16`` blocks beyond the last full block (a hostile or mistaken
    startIndex): then the gallop runs first, stopping at ``o``, so the probes
    stay within the bound above whatever ``o`` is, plus 1. The tests check these bounds
    for every ``n`` up to 3,000 and for random ``n`` up to 10**7.

    The count is exact when the list does not change during the search. When
    it does, the result lies between the smallest and the largest count the
    list had while ``known`` was read and the probes ran.

    Raises:
        ValueError: ``page_cap`` is not positive, or ``known`` has a negative
            offset or a row count outside ``0..page_cap``.
        TargetError: a probe returned more than ``page_cap`` records or a
            negative number, or the target returned full pages up to an offset
            of ``page_cap * 2**48``.
    """
    if page_cap < 1:
        raise ValueError(f"page_cap must be at least 1, not {page_cap}")

    last_full = -1
    first_empty: int | None = None
    if known is not None:
        offset, rows = known
        _check_known(offset, rows, page_cap)
        if 0 < rows < page_cap or (rows == 0 and offset == 0):
            return offset + rows
        if rows == page_cap:
            last_full = (offset + page_cap) // page_cap - 1
        else:
            first_empty = math.ceil(offset / page_cap)

    async def probe_block(block: int) -> int:
        rows = await probe(page_cap, block * page_cap)
        if not 0 <= rows <= page_cap:
            raise TargetError(
                f"the target returned {rows} records for a page of at most {page_cap}. "
                "It ignores the page size, so no exact count can be made"
            )
        return rows

    # An empty page far beyond the end (a huge startIndex) is kept only as an
    # upper bound: binary-searching below it would cost log2 of the offset.
    if first_empty is None or first_empty - last_full > _MAX_SEARCH_SPAN:
        start = last_full + 1
        for doubling in range(_MAX_DOUBLINGS + 1):
            block = start + (1 << doubling) - 1
            if first_empty is not None and block >= first_empty:
                break
            rows = await probe_block(block)
            if rows == page_cap:
                last_full = block
                continue
            if rows > 0:
                return block * page_cap + rows
            first_empty = block
            break
        else:
            raise TargetError(
                f"the target returned full pages up to {(last_full + 1) * page_cap} records. "
                "The list does not end, so no exact count can be made"
            )

    while first_empty - last_full > 1:
        block = (last_full + first_empty) // 2
        rows = await probe_block(block)
        if rows == page_cap:
            last_full = block
        elif rows > 0:
            return block * page_cap + rows
        else:
            first_empty = block

    return first_empty * page_cap


def _check_known(offset: int, rows: int, page_cap: int) -> None:
    if offset < 0:
        raise ValueError(f"known offset must be 0 or more, not {offset}")
    if not 0 <= rows <= page_cap:
        raise ValueError(f"known rows must be between 0 and page_cap ({page_cap}), not {rows}")


class CountCache:
    """Counts of target queries, kept for ``ttl_seconds`` and dropped whole by any write.

    A TTL of 0 turns the cache off. At most ``max_keys`` counts are kept, and
    the oldest stored one is dropped to make room. Every method runs without
    awaiting, so tasks of one event loop can share a cache.

    A count probed while a write is running may be stale by the time it is
    stored. To keep it out, read ``generation`` before probing and pass it to
    ``put``: a put whose generation an ``invalidate`` has since ended stores nothing.
    """

    def __init__(
        self,
        ttl_seconds: float,
        *,
        max_keys: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_seconds < 0:
            raise ValueError(f"ttl_seconds must be 0 or more, not {ttl_seconds}")
        if max_keys < 1:
            raise ValueError(f"max_keys must be at least 1, not {max_keys}")
        self.ttl_seconds = ttl_seconds
        self.max_keys = max_keys
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._generation = 0

    @property
    def generation(self) -> int:
        """The number of ``invalidate`` calls so far."""
        return self._generation

    def get(self, key: str) -> int | None:
        """Return the count stored for ``key``, or None when there is none or it expired."""
        entry = self._entries.get(key)
        if entry is None:
            return None

        expires_at, count = entry
        if self._clock() >= expires_at:
            del self._entries[key]
            return None
        return count

    def put(self, key: str, count: int, *, generation: int | None = None) -> None:
        """Store ``count`` for ``key``, unless caching is off or ``generation`` is outdated."""
        if self.ttl_seconds == 0:
            return
        if generation is not None and generation != self._generation:
            return

        self._entries[key] = (self._clock() + self.ttl_seconds, count)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_keys:
            self._entries.popitem(last=False)

    def invalidate(self) -> None:
        """Drop every count, because a write may have changed any of them."""
        self._entries.clear()
        self._generation += 1

    def __len__(self) -> int:
        return len(self._entries)
