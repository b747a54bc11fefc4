"""Credentials of SCIM clients (hashed secrets only) and the gateway's generated keys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, insert, select, update

from scimbridge.errors import StoreError
from scimbridge.store.database import Database
from scimbridge.store.metadata import dialect_insert, utc_now
from scimbridge.store.models import ClientCredentialRow, GatewayKeyRow

CredentialKind = Literal["client_secret", "static_token"]


@dataclass(frozen=True, slots=True)
class StoredCredential:
    """One credential row. ``secret_hash`` is the hex SHA-256 digest of the secret."""

    id: str
    instance: str
    kind: CredentialKind
    secret_hash: str
    read_only: bool
    label: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


def _from_row(row: Row[Any]) -> StoredCredential:
    kind: CredentialKind = "static_token" if row.kind == "static_token" else "client_secret"
    return StoredCredential(
        id=row.id,
        instance=row.instance,
        kind=kind,
        secret_hash=row.secret_hash,
        read_only=row.read_only,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


class CredentialStore:
    """Client credentials per connector instance, and keys shared by gateway processes.

    Rows are never deleted: a revoked credential keeps its row with ``revoked_at``
    set, so its id stays unique and the audit log's client ids stay meaningful.
    """

    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(self, credential: StoredCredential) -> None:
        """Insert a new credential. Raises StoreError when the id already exists."""
        values = {
            "id": credential.id,
            "instance": credential.instance,
            "kind": credential.kind,
            "secret_hash": credential.secret_hash,
            "read_only": credential.read_only,
            "label": credential.label,
            "created_at": utc_now(credential.created_at),
            "revoked_at": credential.revoked_at,
        }
        async with self._database.transaction("adding a client credential", write=True) as conn:
            await conn.execute(insert(ClientCredentialRow).values(**values))

    async def get(self, credential_id: str) -> StoredCredential | None:
        """Return the credential with ``credential_id``, revoked or not, or None."""
        statement = select(ClientCredentialRow).where(ClientCredentialRow.id == credential_id)
        async with self._database.transaction("reading a client credential", write=False) as conn:
            row = (await conn.execute(statement)).first()
        return None if row is None else _from_row(row)

    async def list(self, instance: str | None = None) -> list[StoredCredential]:
        """Return every credential, or those of ``instance``, oldest first."""
        statement = select(ClientCredentialRow)
        if instance is not None:
            statement = statement.where(ClientCredentialRow.instance == instance)
        async with self._database.transaction("listing client credentials", write=False) as conn:
            rows = (await conn.execute(statement)).all()

        credentials = [_from_row(row) for row in rows]
        # Sorted in Python, because ORDER BY follows each database's collation.
        return sorted(credentials, key=lambda credential: (credential.created_at, credential.id))

    async def revoke(
        self, credential_id: str, *, now: datetime | None = None
    ) -> StoredCredential | None:
        """Mark a credential revoked and return it, or return None for an unknown id.

        A credential revoked before keeps its first revocation time.
        """
        revoked_at = utc_now(now)
        statement = (
            update(ClientCredentialRow)
            .where(
                ClientCredentialRow.id == credential_id,
                ClientCredentialRow.revoked_at.is_(None),
            )
            .values(revoked_at=revoked_at)
        )
        async with self._database.transaction("revoking a client credential", write=True) as conn:
            await conn.execute(statement)
        return await self.get(credential_id)

    async def gateway_key(self, name: str, generate: Callable[[], str]) -> str:
        """Return the key stored under ``name``, storing ``generate()`` first if there is none.

        Two processes that start together may both generate a key; the insert
        that commits first wins and both return the stored one.
        """
        candidate = generate()
        async with self._database.transaction("reading the gateway key", write=True) as conn:
            statement = dialect_insert(conn)(GatewayKeyRow).values(
                name=name, value=candidate, created_at=utc_now(None)
            )
            await conn.execute(statement.on_conflict_do_nothing(index_elements=["name"]))
            stored = await conn.scalar(
                select(GatewayKeyRow.value).where(GatewayKeyRow.name == name)
            )
        if stored is None:
            raise StoreError(f"reading the gateway key {name!r} failed: no row after its insert")
        return str(stored)
