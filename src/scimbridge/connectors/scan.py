"""List requests evaluated in the gateway when the target cannot evaluate them.

When a filter or a sort order cannot be pushed down to the target, the handler
reads every object of the resource type, converts them, and filters, sorts and
pages in the gateway. That is exact, and bounded by ``max_scan``: above it the
request is rejected with ``invalidFilter`` naming what could not be pushed down,
rather than answered slowly or wrongly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from scim2_models.path.expressions import FilterNode

from scimbridge.connectors.base import Page, Query, Resource
from scimbridge.errors import InvalidFilter
from scimbridge.scim.filtering import compile_filter
from scimbridge.scim.schema import ResourceTypeDef
from scimbridge.scim.sorting import sort_resources

FetchPage = Callable[[int, int], Awaitable[tuple[list[Resource], int]]]
"""Reads (converted resources, target total) at a 0-based offset with a page size."""

# Pages fetched at the same time during a scan; kept below GoTo's 10 requests
# per second so a scan does not throttle itself.
SCAN_CONCURRENCY = 4


async def fetch_all(
    fetch_page: FetchPage, page_size: int, max_scan: int, reason: str
) -> list[Resource]:
    """Read every object the target lists, or reject when there are more than ``max_scan``."""
    first, total = await fetch_page(0, page_size)
    if total > max_scan:
        raise InvalidFilter(
            f"{reason}, so the gateway would have to read all {total} objects, more than "
            f"its limit of {max_scan} (setting max_scan); filter on an attribute the "
            "target can search, such as userName or id"
        )

    offsets = range(len(first), total, page_size) if first else range(0)
    semaphore = asyncio.Semaphore(SCAN_CONCURRENCY)

    async def fetch(offset: int) -> list[Resource]:
        async with semaphore:
            resources, _ = await fetch_page(offset, page_size)
            return resources

    pages = await asyncio.gather(*(fetch(offset) for offset in offsets))
    everything = list(first)
    for page in pages:
        everything.extend(page)
    return everything


async def page_from_target(fetch_page: FetchPage, query: Query, page_size: int) -> Page:
    """Read the page ``query`` requests through the target's own offset paging.

    A SCIM page larger than the target's page size takes several target calls.
    ``count=0`` still takes one, for the total.
    """
    offset = max(query.start_index, 1) - 1
    wanted = page_size if query.count is None else query.count
    if wanted == 0:
        _, total = await fetch_page(0, 1)
        return Page(resources=[], total_results=total)

    collected: list[Resource] = []
    total = 0
    while len(collected) < wanted:
        size = min(page_size, wanted - len(collected))
        resources, total = await fetch_page(offset + len(collected), size)
        collected.extend(resources)
        if len(resources) < size:
            break
    return Page(resources=collected, total_results=total)


def page_in_gateway(resources: Sequence[Resource], query: Query, rtype: ResourceTypeDef) -> Page:
    """Filter, sort and slice resources the gateway has read in full."""
    selected: list[Resource] = list(resources)
    if query.filter is not None:
        predicate = compile_filter(query.filter, rtype)
        selected = [resource for resource in selected if predicate(resource)]

    if query.sort_by:
        selected = sort_resources(selected, query.sort_by, query.sort_order, rtype)

    return Page(resources=slice_page(selected, query), total_results=len(selected))


def slice_page(resources: Sequence[Resource], query: Query) -> list[Resource]:
    start = max(query.start_index, 1) - 1
    if query.count is None:
        return list(resources[start:])
    return list(resources[start : start + query.count])


def filter_exactly(
    resources: Sequence[Resource], node: FilterNode | None, rtype: ResourceTypeDef
) -> list[Any]:
    """Apply the SCIM filter to resources a pushed-down target filter returned.

    The target's matching may be looser than SCIM's (for example on case), so
    results are checked again. The cost is small next to the target call.
    """
    if node is None:
        return list(resources)
    predicate = compile_filter(node, rtype)
    return [resource for resource in resources if predicate(resource)]
