"""An in-process cache of the per-resource state the gateway store keeps.

Every SCIM response needs each resource's ``meta`` dates and ``externalId``
from the store. Reading them costs a database round trip per request, more
than the target call itself on a local target, so the gateway remembers what
it last read or wrote, for ``ttl`` seconds.

A cached entry is used only when the resource's content hash is unchanged, so
a change on the target is always dated from the database. The staleness bound
matters only when several gateway processes share one PostgreSQL store: an
``externalId`` another process wrote can take up to ``ttl`` seconds to appear.
With the default SQLite store, one process owns the data and nothing is stale.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from scimbridge.store.metadata import ResourceMeta

StateKey = tuple[str, str, str]
"""(instance, resource type, resource id)"""


@dataclass(frozen=True, slots=True)
class ResourceState:
    """The stored state of one resource, with the content hash it was read for."""

    content_hash: str
    meta: ResourceMeta
    external_id: str | None


class StateCache:
    """A bounded least-recently-used map of resource states with expiry."""

    def __init__(
        self,
        ttl: float,
        *,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[StateKey, tuple[ResourceState, float]] = OrderedDict()

    def get(self, key: StateKey) -> ResourceState | None:
        """Return the state cached for ``key``, or None when absent, expired or disabled."""
        if self.ttl <= 0:
            return None
        entry = self._entries.get(key)
        if entry is None:
            return None
        state, stored_at = entry
        if self._clock() - stored_at > self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return state

    def put(self, key: StateKey, state: ResourceState) -> None:
        if self.ttl <= 0:
            return
        self._entries[key] = (state, self._clock())
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def drop(self, key: StateKey) -> None:
        self._entries.pop(key, None)
