"""Batched ``eq`` lookups on the GoTo Admin API list endpoints.

Identity managers look resources up by many values at once: One Identity
Manager sends ``(id eq "a") or (id eq "b") or ...``, and Okta and Entra ID
send ``userName eq`` and ``displayName eq``. The Admin API list endpoints take
an ``or`` of ``field eq "value"`` terms, so such a filter costs one list call
per batch of values instead of one call per value.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any, Protocol

from scimbridge.connectors.gotomeeting.client import ListPage, filter_literal

# NOTE: GoTo documents no limit on the length of a filter. These bounds keep
# the query string of one call near 2 KB, which common proxies accept.
MAX_TERMS = 50
MAX_FILTER_CHARS = 2000


class ListCall(Protocol):
    """A list method of ``GoToClient``, such as ``list_users``."""

    def __call__(
        self, *, offset: int, page_size: int, filter: str | None = None
    ) -> Awaitable[ListPage]: ...


def or_filter(field: str, values: Iterable[str]) -> str:
    """Build ``field eq "a" or field eq "b"``, with the values quoted for the Admin API."""
    return " or ".join(f"{field} eq {filter_literal(value)}" for value in values)


def batches(field: str, values: Iterable[str]) -> list[list[str]]:
    """Split distinct values into batches whose filter fits ``MAX_TERMS`` and ``MAX_FILTER_CHARS``.

    A single value longer than the character bound still gets a batch of its own.
    """
    result: list[list[str]] = []
    current: list[str] = []
    length = 0
    for value in dict.fromkeys(values):
        term_length = len(field) + len(filter_literal(value)) + 8
        if current and (len(current) == MAX_TERMS or length + term_length > MAX_FILTER_CHARS):
            result.append(current)
            current, length = [], 0
        current.append(value)
        length += term_length
    if current:
        result.append(current)
    return result


async def list_matching(
    list_call: ListCall, field: str, values: Iterable[str]
) -> list[dict[str, Any]]:
    """Return every record whose ``field`` equals one of ``values``, in as few list calls as fit.

    Each batch is read with ``pageSize`` equal to its number of values, which is
    enough when ``field`` is unique (key, email, group name). When the target
    reports more matches than that, the rest of the batch is read page by page.
    Records found by two batches are returned once.
    """
    chunks = batches(field, values)
    found = await asyncio.gather(*(_read_batch(list_call, field, chunk) for chunk in chunks))

    records: dict[str, dict[str, Any]] = {}
    for batch in found:
        for record in batch:
            records.setdefault(str(record.get("key")), record)
    return list(records.values())


async def _read_batch(list_call: ListCall, field: str, values: list[str]) -> list[dict[str, Any]]:
    expression = or_filter(field, values)
    page = await list_call(offset=0, page_size=len(values), filter=expression)
    records = list(page.results)
    while page.results and len(records) < page.total:
        page = await list_call(offset=len(records), page_size=len(values), filter=expression)
        records.extend(page.results)
    return records
