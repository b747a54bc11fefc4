"""SCIM ``meta.created`` and ``meta.lastModified`` for resources the target does not date."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from scimbridge.store.database import Database
from scimbridge.store.models import ResourceMetaRow

# Ids per SELECT ... IN statement. SQLite accepts 32,766 bound parameters per
# statement since 3.32 and PostgreSQL 65,535, so a page of this many ids stays
# one statement on both.
MAX_IDS_PER_SELECT = 5_000

PRIMARY_KEY = ["instance", "resource_type", "resource_id"]


@dataclass(frozen=True, slots=True)
class ResourceMeta:
    """Dates of one resource, timezone-aware in UTC."""

    created: datetime
    last_modified: datetime


def utc_now(now: datetime | None) -> datetime:
    """Return ``now`` in UTC, or the current time when it is None.

    Raises ValueError for a naive datetime, whose zone is unknown.
    """
    if now is None:
        return datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError(f"now={now.isoformat()} is naive: pass a timezone-aware datetime")
    return now.astimezone(UTC)


def dialect_insert(connection: AsyncConnection) -> Callable[..., Any]:
    """Return the dialect's ``insert`` construct, which supports ON CONFLICT."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


class MetadataStore:
    """Creation and modification dates per (instance, resource type, resource id).

    The gateway passes the hash of the SCIM representation it is about to
    return. A new hash moves ``last_modified`` to now, so changes made on the
    target outside the gateway are dated too, as of the first read that returns them.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def observe(
        self,
        instance: str,
        resource_type: str,
        resources: Sequence[tuple[str, str]],
        *,
        now: datetime | None = None,
    ) -> dict[str, ResourceMeta]:
        """Record the ``(resource id, content hash)`` pairs of one read and return their dates.

        An unknown id gets created = last_modified = now, a changed hash moves
        last_modified to now, and an unchanged hash changes nothing. The batch
        costs one SELECT, then, only if something changed, one INSERT batch and
        one UPDATE batch in a second transaction. A second SELECT runs only for
        ids that another process inserted between the two transactions.
        When an id appears twice, its last hash counts.
        """
        now = utc_now(now)
        hashes = dict(resources)
        if not hashes:
            return {}

        async with self._database.transaction("reading resource metadata", write=False) as conn:
            stored = await self._select(conn, instance, resource_type, list(hashes))

        dates: dict[str, ResourceMeta] = {}
        new: list[str] = []
        changed: list[str] = []
        for resource_id, content_hash in hashes.items():
            row = stored.get(resource_id)
            if row is None:
                new.append(resource_id)
                dates[resource_id] = ResourceMeta(created=now, last_modified=now)
            elif row.content_hash != content_hash:
                changed.append(resource_id)
                dates[resource_id] = ResourceMeta(created=row.created, last_modified=now)
            else:
                dates[resource_id] = ResourceMeta(row.created, row.last_modified)

        if not new and not changed:
            return dates

        async with self._database.transaction("writing resource metadata", write=True) as conn:
            key = {"instance": instance, "resource_type": resource_type}
            inserted = await self._insert(conn, key, {i: hashes[i] for i in new}, now)
            await self._update(conn, key, {i: hashes[i] for i in changed}, now)

            raced = [resource_id for resource_id in new if resource_id not in inserted]
            if raced:
                rows = await self._select(conn, instance, resource_type, raced)
                for resource_id, row in rows.items():
                    dates[resource_id] = ResourceMeta(row.created, row.last_modified)

        return dates

    async def record_write(
        self,
        instance: str,
        resource_type: str,
        resource_id: str,
        content_hash: str,
        *,
        created: bool,
        now: datetime | None = None,
    ) -> ResourceMeta:
        """Record a write the gateway made and return the resource's new dates.

        last_modified always moves to now. With ``created=True`` the creation
        date moves too, even over an existing row, because a resource created
        again under an old id starts anew. An update of an id the store has
        never seen is dated as created now.
        """
        now = utc_now(now)

        async with self._database.transaction("recording a resource write", write=True) as conn:
            statement = dialect_insert(conn)(ResourceMetaRow).values(
                instance=instance,
                resource_type=resource_type,
                resource_id=resource_id,
                created=now,
                last_modified=now,
                content_hash=content_hash,
            )
            changes = {
                "last_modified": statement.excluded.last_modified,
                "content_hash": statement.excluded.content_hash,
            }
            if created:
                changes["created"] = statement.excluded.created
            statement = statement.on_conflict_do_update(
                index_elements=PRIMARY_KEY, set_=changes
            ).returning(ResourceMetaRow.created, ResourceMetaRow.last_modified)

            row = (await conn.execute(statement)).one()

        return ResourceMeta(created=row.created, last_modified=row.last_modified)

    async def forget(self, instance: str, resource_type: str, resource_id: str) -> None:
        """Delete the dates of a resource, for example after the gateway deleted it."""
        statement = delete(ResourceMetaRow).where(
            ResourceMetaRow.instance == instance,
            ResourceMetaRow.resource_type == resource_type,
            ResourceMetaRow.resource_id == resource_id,
        )
        async with self._database.transaction("deleting resource metadata", write=True) as conn:
            await conn.execute(statement)

    async def _select(
        self, conn: AsyncConnection, instance: str, resource_type: str, resource_ids: list[str]
    ) -> dict[str, Any]:
        rows: dict[str, Any] = {}
        for start in range(0, len(resource_ids), MAX_IDS_PER_SELECT):
            chunk = resource_ids[start : start + MAX_IDS_PER_SELECT]
            statement = select(
                ResourceMetaRow.resource_id,
                ResourceMetaRow.created,
                ResourceMetaRow.last_modified,
                ResourceMetaRow.content_hash,
            ).where(
                ResourceMetaRow.instance == instance,
                ResourceMetaRow.resource_type == resource_type,
                ResourceMetaRow.resource_id.in_(chunk),
            )
            for row in await conn.execute(statement):
                rows[row.resource_id] = row
        return rows

    async def _insert(
        self, conn: AsyncConnection, key: dict[str, str], hashes: dict[str, str], now: datetime
    ) -> set[str]:
        """Insert rows for new ids and return the ids actually inserted.

        An id that another process inserted first is skipped, not overwritten.
        """
        if not hashes:
            return set()

        rows = [
            {
                **key,
                "resource_id": resource_id,
                "created": now,
                "last_modified": now,
                "content_hash": content_hash,
            }
            for resource_id, content_hash in hashes.items()
        ]
        statement = (
            dialect_insert(conn)(ResourceMetaRow)
            .on_conflict_do_nothing(index_elements=PRIMARY_KEY)
            .returning(ResourceMetaRow.resource_id)
        )
        result = await conn.execute(statement, rows)
        return set(result.scalars())

    async def _update(
        self, conn: AsyncConnection, key: dict[str, str], hashes: dict[str, str], now: datetime
    ) -> None:
        if not hashes:
            return

        # A row another process already moved to the same hash keeps its date.
        statement = (
            update(ResourceMetaRow)
            .where(
                ResourceMetaRow.instance == key["instance"],
                ResourceMetaRow.resource_type == key["resource_type"],
                ResourceMetaRow.resource_id == bindparam("target_id"),
                ResourceMetaRow.content_hash != bindparam("new_hash"),
            )
            .values(content_hash=bindparam("new_hash"), last_modified=now)
        )
        rows = [
            {"target_id": resource_id, "new_hash": content_hash}
            for resource_id, content_hash in hashes.items()
        ]
        await conn.execute(statement, rows)
