"""The audit log: one entry per SCIM write request, recorded after the response."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select

from scimbridge.store.database import Database
from scimbridge.store.models import AuditRow


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEntry:
    """One write request: who sent it, what it touched and how it ended.

    ``time`` must be timezone-aware. ``method`` is the HTTP method of the SCIM
    request, ``client_id`` the inbound OAuth client (None when unauthenticated)
    and ``resource_id`` None when no resource was identified, as for a rejected
    POST. ``target_calls`` counts the target API requests the write caused.
    """

    time: datetime
    instance: str
    client_id: str | None
    method: str
    resource_type: str
    resource_id: str | None
    target_calls: int
    status: int
    detail: str = ""


class AuditLog:
    """Append-only log of write requests, read back newest first."""

    def __init__(self, database: Database) -> None:
        self._database = database

    async def record(self, entry: AuditEntry) -> None:
        """Append ``entry`` to the log."""
        if entry.time.tzinfo is None:
            raise ValueError(
                f"audit entry time {entry.time.isoformat()} is naive: pass an aware datetime"
            )

        statement = insert(AuditRow).values(
            time=entry.time,
            instance=entry.instance,
            client_id=entry.client_id,
            method=entry.method,
            resource_type=entry.resource_type,
            resource_id=entry.resource_id,
            target_calls=entry.target_calls,
            status=entry.status,
            detail=entry.detail,
        )
        async with self._database.transaction("recording an audit entry", write=True) as conn:
            await conn.execute(statement)

    async def recent(self, instance: str, limit: int) -> list[AuditEntry]:
        """Return up to ``limit`` entries of ``instance``, newest first.

        Entries with the same time come back in reverse order of recording.
        """
        if limit < 1:
            raise ValueError(f"limit={limit} is invalid: it must be at least 1")

        statement = (
            select(AuditRow)
            .where(AuditRow.instance == instance)
            .order_by(AuditRow.time.desc(), AuditRow.id.desc())
            .limit(limit)
        )
        async with self._database.transaction("reading the audit log", write=False) as conn:
            rows = (await conn.execute(statement)).all()

        return [
            AuditEntry(
                time=row.time,
                instance=row.instance,
                client_id=row.client_id,
                method=row.method,
                resource_type=row.resource_type,
                resource_id=row.resource_id,
                target_calls=row.target_calls,
                status=row.status,
                detail=row.detail,
            )
            for row in rows
        ]
