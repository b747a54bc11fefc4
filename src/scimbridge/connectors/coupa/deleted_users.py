"""Users deleted through SCIM: deactivated on Coupa and hidden by the gateway.

Coupa cannot delete a user. A SCIM DELETE deactivates it, and the gateway
records the id in its store, so that the id returns 404 and lists leave the
user out (RFC 7644 §3.6). The record goes away when a POST re-creates the
user, or when someone reactivates the user in Coupa itself. A read of that id
notices the reactivation at once. Lists notice it within ``recheck_seconds``,
when the deleted ids are checked again with one ``id[in]=...&active=true`` call
per 50 ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import structlog

from scimbridge.connectors.coupa.client import PAGE_CAP, CoupaClient, Record
from scimbridge.store.deletions import DeletionStore

log = structlog.get_logger("scimbridge.coupa")

KIND = "User"


class DeletedUsers:
    """The deleted users of one Coupa connector instance."""

    def __init__(
        self,
        client: CoupaClient,
        store: DeletionStore,
        *,
        instance: str,
        recheck_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._store = store
        self._instance = instance
        self._recheck_seconds = recheck_seconds
        self._clock = clock
        self._checked_at: float | None = None

    async def record(self, user_id: str, login: str | None) -> None:
        await self._store.record(self._instance, KIND, user_id, login)
        log.info("coupa_user_deleted", instance=self._instance, user_id=user_id)

    async def forget(self, user_id: str) -> None:
        await self._store.forget(self._instance, KIND, user_id)

    async def contains(self, user_id: str) -> bool:
        return await self._store.is_deleted(self._instance, KIND, user_id)

    async def hides(self, user_id: str, record: Record) -> bool:
        """Tell whether a read of ``record`` must return 404.

        A deleted user that is active again was reactivated in Coupa, so its
        deletion record is dropped and the user is visible.
        """
        if not await self.contains(user_id):
            return False
        if record.get("active") is not True:
            return True
        await self.forget(user_id)
        log.info("coupa_user_reactivated_in_coupa", instance=self._instance, user_id=user_id)
        return False

    async def hidden_ids(self) -> list[str]:
        """Return the ids lists must leave out, checked against Coupa at most every recheck."""
        deleted = await self._store.deleted_ids(self._instance, KIND)
        now = self._clock()
        due = self._checked_at is None or now - self._checked_at >= self._recheck_seconds
        if not deleted or not due:
            return deleted

        self._checked_at = now
        reactivated = await self._reactivated(deleted)
        for user_id in reactivated:
            await self.forget(user_id)
            log.info("coupa_user_reactivated_in_coupa", instance=self._instance, user_id=user_id)
        return [user_id for user_id in deleted if user_id not in reactivated]

    async def _reactivated(self, deleted: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(deleted), PAGE_CAP):
            batch = deleted[start : start + PAGE_CAP]
            active = await self._client.index(
                "users", {"id[in]": ",".join(batch), "active": "true"}, fields=["id"]
            )
            found.update(str(user.get("id")) for user in active)
        return found
