"""Resources that SCIM clients deleted but the target keeps, such as deactivated Coupa users."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from scimbridge.store.database import Database
from scimbridge.store.metadata import dialect_insert, utc_now
from scimbridge.store.models import DeletedResourceRow

# Length of the name column. PostgreSQL rejects a longer value and SQLite
# would store it, so the store checks it to behave the same on both.
MAX_NAME_LENGTH = 255

PRIMARY_KEY = ["instance", "resource_type", "resource_id"]


def fold_name(name: str) -> str:
    """Return the form of ``name`` that is stored and compared.

    SCIM ``userName`` is not caseExact, so names are compared with
    ``str.casefold`` as the gateway's filters compare such strings. The folding
    runs in Python, because SQLite's ``lower()`` folds only ASCII letters and
    PostgreSQL's depends on the database locale.
    """
    return name.casefold()


class DeletionStore:
    """Deletion records per (instance, resource type, resource id).

    A connector whose target cannot delete a resource records the SCIM DELETE
    here. The gateway then returns 404 for the id and leaves it out of lists,
    as RFC 7644 section 3.6 requires for a deleted resource, until a POST with
    the same name re-creates the resource and the connector calls :meth:`forget`.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def record(
        self,
        instance: str,
        resource_type: str,
        resource_id: str,
        name: str | None,
        *,
        now: datetime | None = None,
    ) -> None:
        """Record that a resource was deleted, replacing any earlier record of it.

        ``name`` is the resource's userName at deletion, or None when it has
        none. The store keeps it case-folded. ``now`` defaults to the current
        time. Raises ValueError for a naive ``now`` or a folded name longer
        than ``MAX_NAME_LENGTH`` characters.
        """
        deleted_at = utc_now(now)
        folded = None if name is None else fold_name(name)
        if folded is not None and len(folded) > MAX_NAME_LENGTH:
            raise ValueError(
                f"name of deleted {resource_type} {resource_id!r} is {len(folded)} characters"
                f" long after case folding: the maximum is {MAX_NAME_LENGTH}"
            )

        async with self._database.transaction("recording a deletion", write=True) as conn:
            statement = dialect_insert(conn)(DeletedResourceRow).values(
                instance=instance,
                resource_type=resource_type,
                resource_id=resource_id,
                name=folded,
                deleted_at=deleted_at,
            )
            statement = statement.on_conflict_do_update(
                index_elements=PRIMARY_KEY,
                set_={
                    "name": statement.excluded.name,
                    "deleted_at": statement.excluded.deleted_at,
                },
            )
            await conn.execute(statement)

    async def forget(self, instance: str, resource_type: str, resource_id: str) -> None:
        """Delete the deletion record of a resource, as when a POST re-creates it.

        An id without a record is left as is.
        """
        statement = delete(DeletedResourceRow).where(
            DeletedResourceRow.instance == instance,
            DeletedResourceRow.resource_type == resource_type,
            DeletedResourceRow.resource_id == resource_id,
        )
        async with self._database.transaction("deleting a deletion record", write=True) as conn:
            await conn.execute(statement)

    async def is_deleted(self, instance: str, resource_type: str, resource_id: str) -> bool:
        """Return whether the resource has a deletion record."""
        statement = select(DeletedResourceRow.resource_id).where(
            DeletedResourceRow.instance == instance,
            DeletedResourceRow.resource_type == resource_type,
            DeletedResourceRow.resource_id == resource_id,
        )
        async with self._database.transaction("reading a deletion record", write=False) as conn:
            found = await conn.scalar(statement)
        return found is not None

    async def deleted_ids(self, instance: str, resource_type: str) -> list[str]:
        """Return the ids of every deleted resource of one type, sorted."""
        statement = select(DeletedResourceRow.resource_id).where(
            DeletedResourceRow.instance == instance,
            DeletedResourceRow.resource_type == resource_type,
        )
        async with self._database.transaction("listing deleted ids", write=False) as conn:
            resource_ids = list(await conn.scalars(statement))

        # Sorted in Python, because ORDER BY follows each database's collation.
        return sorted(resource_ids)

    async def find_by_name(self, instance: str, resource_type: str, name: str) -> str | None:
        """Return the id of the deleted resource whose name matches ``name`` regardless of case.

        Returns None when no record matches. When several records carry the
        name, the most recently deleted one wins, and the smallest id breaks a tie.
        """
        statement = select(DeletedResourceRow.resource_id, DeletedResourceRow.deleted_at).where(
            DeletedResourceRow.instance == instance,
            DeletedResourceRow.resource_type == resource_type,
            DeletedResourceRow.name == fold_name(name),
        )
        async with self._database.transaction("finding a deletion by name", write=False) as conn:
            matches: list[tuple[datetime, str]] = [
                (row.deleted_at, row.resource_id) for row in await conn.execute(statement)
            ]

        if not matches:
            return None

        newest = max(deleted_at for deleted_at, _ in matches)
        return min(match_id for deleted_at, match_id in matches if deleted_at == newest)
