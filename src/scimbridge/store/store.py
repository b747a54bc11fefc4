"""The gateway store: metadata, external ids, deletions and the audit log in one SQL database."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine

from scimbridge.store.audit import AuditLog
from scimbridge.store.credentials import CredentialStore
from scimbridge.store.database import Database, connect
from scimbridge.store.deletions import DeletionStore
from scimbridge.store.external_ids import ExternalIdStore
from scimbridge.store.metadata import MetadataStore


class Store:
    """Gateway state the target API cannot hold, in one SQL database.

    It contains ``meta`` dates, ``externalId``, deletion records, the audit log,
    and the SCIM clients' credentials (hashed) with the gateway's generated keys.

    Create it with :func:`open_store`. Every method raises
    :class:`scimbridge.errors.StoreError` when the database fails.
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self.meta = MetadataStore(database)
        self.external_ids = ExternalIdStore(database)
        self.deletions = DeletionStore(database)
        self.audit = AuditLog(database)
        self.credentials = CredentialStore(database)

    @property
    def engine(self) -> AsyncEngine:
        """The SQLAlchemy engine, for event listeners and diagnostics."""
        return self._database.engine

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._database.close()

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


async def open_store(url: str) -> Store:
    """Connect to the database at ``url``, migrate it to the newest schema and return the store.

    ``url`` is ``sqlite+aiosqlite:///PATH`` (the folder is created if missing)
    or ``postgresql+psycopg://USER:PASSWORD@HOST/DATABASE``. Raises StoreError
    when the URL is unsupported or the database cannot be reached or migrated.
    """
    return Store(await connect(url))
