"""SCIM list requests over Coupa's index calls, with an exact ``totalResults``.

Coupa pages with ``offset`` and ``limit`` (at most 50) and never returns a
total. A SCIM page is read with one call per 50 records. When the last call
comes back short, the total follows from it at no cost. Otherwise it is found
by probing offsets (:func:`scimbridge.connectors.counting.count_by_probing`,
O(log n) calls of ids only). The total is kept in a short-lived cache, which
writes through the gateway clear.

Filters Coupa cannot evaluate, and sort orders it cannot apply, are
evaluated in the gateway over every record the rest of the query matches,
bounded by ``max_scan``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from scimbridge.connectors.base import Page, Query, Resource
from scimbridge.connectors.counting import CountCache, count_by_probing
from scimbridge.connectors.coupa.client import PAGE_CAP, CoupaClient, Record
from scimbridge.connectors.coupa.filters import QueryField, translate
from scimbridge.connectors.scan import filter_exactly, page_in_gateway
from scimbridge.errors import InvalidFilter
from scimbridge.scim.schema import ResourceTypeDef

# List calls sent at the same time for one SCIM page or scan; Coupa allows
# 25 requests per second per client.
CONCURRENT_CALLS = 4

Convert = Callable[[Record], Awaitable[Resource]]


@dataclass
class CoupaLister:
    """Serves list requests of one resource type from one Coupa index endpoint."""

    client: CoupaClient
    resource: str
    """The Coupa resource path under ``/api``, e.g. ``users``."""
    rtype: ResourceTypeDef
    query_fields: Mapping[str, QueryField]
    sort_fields: Mapping[str, str]
    """SCIM attribute (lower case) to the Coupa field ``order_by`` takes."""
    counts: CountCache
    page_size: int
    max_scan: int

    async def page(
        self, query: Query, convert: Convert, *, extra: Mapping[str, str] | None = None
    ) -> Page:
        """Serve ``query``; ``extra`` adds conditions of the connector's own."""
        translation = translate(query.filter, self.query_fields, self.rtype)
        if translation.matches_nothing:
            return Page(resources=[], total_results=0)

        params = {**(extra or {}), **translation.params}
        order = self._order(query)
        if translation.max_matches is not None:
            return await self._bounded(query, params, order, translation.max_matches, convert)
        if translation.residual or order is None:
            return await self._in_gateway(query, params, convert)

        records, observed = await self._read_page(query, {**params, **order})
        resources = [await convert(record) for record in records]
        total = await self._total(params, observed)
        return Page(
            resources=filter_exactly(resources, query.filter, self.rtype), total_results=total
        )

    async def read_all(self, params: Mapping[str, str], reason: str) -> list[Record]:
        """Read every record matching ``params``, or reject above ``max_scan``."""
        records: list[Record] = []
        offset = 0
        while True:
            batch = await self.client.index(
                self.resource, params, offset=offset, limit=self.page_size
            )
            records.extend(batch)
            if len(batch) < self.page_size:
                return records
            offset += len(batch)
            if len(records) >= self.max_scan:
                raise InvalidFilter(
                    f"{reason}, so the gateway would read more than {self.max_scan} "
                    f"{self.rtype.name} records (setting max_scan); add a condition Coupa "
                    "can evaluate, such as userName, emails.value, active or a group id"
                )

    def _order(self, query: Query) -> dict[str, str] | None:
        """Return Coupa's ``order_by``/``dir`` for the sort, {} for none, None when unsupported."""
        if not query.sort_by:
            return {}
        target = self.sort_fields.get(query.sort_by.lower())
        if target is None:
            return None
        direction = "desc" if query.sort_order == "descending" else "asc"
        return {"order_by": target, "dir": direction}

    async def _in_gateway(self, query: Query, params: dict[str, str], convert: Convert) -> Page:
        reason = (
            f"Coupa cannot sort {self.rtype.name} records by {query.sort_by!r}"
            if query.filter is None
            else "part of this filter cannot be evaluated by Coupa"
        )
        records = await self.read_all(params, reason)
        resources = [await convert(record) for record in records]
        return page_in_gateway(resources, query, self.rtype)

    async def _bounded(
        self,
        query: Query,
        params: dict[str, str],
        order: dict[str, str] | None,
        max_matches: int,
        convert: Convert,
    ) -> Page:
        """Serve a filter that lists ids or logins: every match is read, so no count is probed.

        ``(id eq "1") or (id eq "2")`` matches two records at most. Reading
        ``limit=2`` returns all of them in one call, and the gateway then
        applies the whole filter, the sort and the page, so ``totalResults``
        is exact without probing. Above 50 values the first call goes alone,
        and the next ones are made only when it comes back full.
        """
        ordered = {**params, **(order or {})}
        first_limit = min(PAGE_CAP, max_matches)
        records = await self.client.index(self.resource, ordered, offset=0, limit=first_limit)
        if len(records) == first_limit < max_matches:
            semaphore = asyncio.Semaphore(CONCURRENT_CALLS)

            async def fetch(offset: int) -> list[Record]:
                limit = min(PAGE_CAP, max_matches - offset)
                async with semaphore:
                    return await self.client.index(
                        self.resource, ordered, offset=offset, limit=limit
                    )

            offsets = range(PAGE_CAP, max_matches, PAGE_CAP)
            for batch in await asyncio.gather(*(fetch(offset) for offset in offsets)):
                records.extend(batch)

        resources = [await convert(record) for record in records]
        return page_in_gateway(resources, query, self.rtype)

    async def _read_page(
        self, query: Query, params: dict[str, str]
    ) -> tuple[list[Record], tuple[int, int, int]]:
        """Read the requested slice: the records and (offset, limit, rows) of the last call.

        The first call goes alone, so a short result costs one call. While the
        calls come back full, the rest of the slice is read in waves of 1, 2, 4
        concurrent calls (at most ``CONCURRENT_CALLS``), so a list that ends
        early costs at most one wave more than it needs.
        """
        start = max(query.start_index, 1) - 1
        wanted = self.page_size if query.count is None else query.count
        if wanted == 0:
            return [], (start, 0, 0)

        size = min(self.page_size, PAGE_CAP)
        calls = [
            (offset, min(size, start + wanted - offset))
            for offset in range(start, start + wanted, size)
        ]
        records: list[Record] = []
        observed = (start, 0, 0)
        done, wave = 0, 1
        while done < len(calls):
            batch_calls = calls[done : done + wave]
            batches = await asyncio.gather(
                *(
                    self.client.index(self.resource, params, offset=offset, limit=limit)
                    for offset, limit in batch_calls
                )
            )
            for (offset, limit), batch in zip(batch_calls, batches, strict=True):
                records.extend(batch)
                observed = (offset, limit, len(batch))
                if len(batch) < limit:
                    return records, observed
            done += len(batch_calls)
            wave = min(wave * 2 if done > 1 else 1, CONCURRENT_CALLS)
        return records, observed

    async def _total(self, params: dict[str, str], observed: tuple[int, int, int]) -> int:
        offset, limit, rows = observed
        if limit and rows < limit and (rows > 0 or offset == 0):
            return offset + rows

        key = self.resource + "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
        cached = self.counts.get(key)
        if cached is not None:
            return cached

        async def probe(probe_limit: int, probe_offset: int) -> int:
            return await self.client.count_rows(self.resource, params, probe_offset, probe_limit)

        # A write during the probes clears the cache; the generation keeps this
        # count, taken before that write, from being stored after it.
        generation = self.counts.generation
        known = (offset, rows) if limit == PAGE_CAP else None
        total = await count_by_probing(probe, page_cap=PAGE_CAP, known=known)
        self.counts.put(key, total, generation=generation)
        return total
