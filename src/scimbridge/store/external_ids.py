"""SCIM ``externalId`` for resources of targets that have no field for it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select

from scimbridge.store.database import Database
from scimbridge.store.metadata import MAX_IDS_PER_SELECT, dialect_insert
from scimbridge.store.models import ExternalIdRow

# Length of the external_id column. PostgreSQL rejects a longer value and
# SQLite would store it, so the store checks it to behave the same on both.
MAX_EXTERNAL_ID_LENGTH = 255

PRIMARY_KEY = ["instance", "resource_type", "resource_id"]


class ExternalIdStore:
    """The ``externalId`` per (instance, resource type, resource id).

    The provisioning client (Entra ID, Okta, ...) sets ``externalId`` to its own
    identifier of the resource. Values compare exactly, case included, because
    RFC 7643 section 3.1 defines ``externalId`` as case-exact.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def get_many(
        self, instance: str, resource_type: str, resource_ids: Sequence[str]
    ) -> dict[str, str]:
        """Return the external id of each resource that has one, keyed by resource id.

        Resources without an external id are left out. The lookup costs one
        SELECT per ``MAX_IDS_PER_SELECT`` distinct ids.
        """
        unique_ids = list(dict.fromkeys(resource_ids))
        if not unique_ids:
            return {}

        external_ids: dict[str, str] = {}
        async with self._database.transaction("reading external ids", write=False) as conn:
            for start in range(0, len(unique_ids), MAX_IDS_PER_SELECT):
                chunk = unique_ids[start : start + MAX_IDS_PER_SELECT]
                statement = select(ExternalIdRow.resource_id, ExternalIdRow.external_id).where(
                    ExternalIdRow.instance == instance,
                    ExternalIdRow.resource_type == resource_type,
                    ExternalIdRow.resource_id.in_(chunk),
                )
                for row in await conn.execute(statement):
                    external_ids[row.resource_id] = row.external_id

        return external_ids

    async def set(
        self, instance: str, resource_type: str, resource_id: str, external_id: str | None
    ) -> None:
        """Store the external id of a resource, replacing any earlier one.

        None deletes it, as when a SCIM PUT or PATCH removes ``externalId``.
        Raises ValueError for a value longer than ``MAX_EXTERNAL_ID_LENGTH``
        characters.
        """
        if external_id is None:
            await self.forget(instance, resource_type, resource_id)
            return

        if len(external_id) > MAX_EXTERNAL_ID_LENGTH:
            raise ValueError(
                f"externalId of {resource_type} {resource_id!r} is {len(external_id)} characters"
                f" long: the maximum is {MAX_EXTERNAL_ID_LENGTH}"
            )

        async with self._database.transaction("writing an external id", write=True) as conn:
            statement = dialect_insert(conn)(ExternalIdRow).values(
                instance=instance,
                resource_type=resource_type,
                resource_id=resource_id,
                external_id=external_id,
            )
            statement = statement.on_conflict_do_update(
                index_elements=PRIMARY_KEY,
                set_={"external_id": statement.excluded.external_id},
            )
            await conn.execute(statement)

    async def find(
        self, instance: str, resource_type: str, external_ids: Sequence[str]
    ) -> dict[str, list[str]]:
        """Return the ids of the resources that carry each external id, sorted.

        An external id that no resource carries is left out. Two resources may
        share an external id, which SCIM does not forbid, so each value maps to
        a list. The lookup costs one SELECT per ``MAX_IDS_PER_SELECT`` distinct external ids.
        """
        unique_values = list(dict.fromkeys(external_ids))
        if not unique_values:
            return {}

        found: dict[str, list[str]] = {}
        async with self._database.transaction("finding external ids", write=False) as conn:
            for start in range(0, len(unique_values), MAX_IDS_PER_SELECT):
                chunk = unique_values[start : start + MAX_IDS_PER_SELECT]
                statement = select(ExternalIdRow.external_id, ExternalIdRow.resource_id).where(
                    ExternalIdRow.instance == instance,
                    ExternalIdRow.resource_type == resource_type,
                    ExternalIdRow.external_id.in_(chunk),
                )
                for row in await conn.execute(statement):
                    found.setdefault(row.external_id, []).append(row.resource_id)

        # Sorted in Python, because ORDER BY follows each database's collation.
        return {value: sorted(resource_ids) for value, resource_ids in found.items()}

    async def forget(self, instance: str, resource_type: str, resource_id: str) -> None:
        """Delete the external id of a resource, for example after the gateway deleted it."""
        statement = delete(ExternalIdRow).where(
            ExternalIdRow.instance == instance,
            ExternalIdRow.resource_type == resource_type,
            ExternalIdRow.resource_id == resource_id,
        )
        async with self._database.transaction("deleting an external id", write=True) as conn:
            await conn.execute(statement)
