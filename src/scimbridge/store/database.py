"""The async engine behind the store: URL checks, SQLite set-up, migrations, errors.

Supported URLs are ``sqlite+aiosqlite:///path/to/file.db`` for one gateway
process and ``postgresql+psycopg://user:password@host/db`` for several. The
plain ``sqlite://`` and ``postgresql://`` forms are read as those drivers.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from scimbridge.errors import StoreError

ALEMBIC_INI = Path(__file__).with_name("alembic.ini")

SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_SECONDS = 10

# Key of the PostgreSQL advisory lock that keeps two gateway processes from
# migrating the same database at once. Any constant works if no other
# application in the database uses it.
MIGRATION_LOCK_KEY = 0x5C1B_0001

# Execution option that makes a SQLite transaction start with BEGIN IMMEDIATE.
WRITE_OPTION = "scimbridge_write"

DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}

# Alembic installs its `context` and `op` proxies as module globals, so two
# migrations interleaving on one event loop would overwrite each other's.
_migration_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def parse_url(url: str) -> URL:
    """Parse a store URL and fill in the async driver, or raise StoreError when unsupported."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        # The message does not repeat the URL, which may contain a password.
        raise StoreError(
            "invalid database URL: expected sqlite+aiosqlite:///PATH"
            " or postgresql+psycopg://USER:PASSWORD@HOST/DATABASE"
        ) from None

    backend = parsed.get_backend_name()
    if backend not in DRIVERS:
        raise StoreError(
            f"unsupported database {backend!r} in the store URL: use sqlite or postgresql"
        )

    driver = parsed.get_driver_name()
    expected = DRIVERS[backend].partition("+")[2]
    if "+" in parsed.drivername and driver != expected:
        raise StoreError(f"unsupported driver {driver!r} for {backend}: use {DRIVERS[backend]}://")

    parsed = parsed.set(drivername=DRIVERS[backend])
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise StoreError(
            "an in-memory SQLite store is not supported, because every pooled connection"
            " would open its own empty database: give a file path, e.g."
            " sqlite+aiosqlite:///data/store.db"
        )
    return parsed


class Database:
    """An async engine plus the transaction and error rules every store part shares."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._write_engine = engine.execution_options(**{WRITE_OPTION: True})
        self._password = engine.url.password

    @asynccontextmanager
    async def transaction(self, operation: str, *, write: bool) -> AsyncIterator[AsyncConnection]:
        """Open a connection in a transaction that commits on success.

        ``write=True`` takes the SQLite write lock at BEGIN, so a transaction
        that reads and then writes waits for other writers up front instead of
        failing with "database is locked" halfway. PostgreSQL ignores it.
        SQLAlchemy errors become StoreError naming ``operation``.
        """
        engine = self._write_engine if write else self.engine
        try:
            async with engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            raise StoreError(self.describe_failure(operation, exc)) from exc

    def describe_failure(self, operation: str, exc: BaseException) -> str:
        """Build a one-line StoreError message from the driver's error, without the password.

        The SQL text and its parameters are left out because they can be long
        and may contain personal data.
        """
        original = getattr(exc, "orig", None) or exc
        reason = " ".join(str(original).split()) or type(original).__name__
        if self._password:
            reason = reason.replace(str(self._password), "***")
        return f"{operation} failed: {reason}"

    async def close(self) -> None:
        await self.engine.dispose()


async def connect(url: str) -> Database:
    """Create the engine for ``url`` and migrate its database to the newest revision."""
    parsed = parse_url(url)
    where = parsed.render_as_string(hide_password=True)

    if parsed.get_backend_name() == "sqlite":
        engine = create_sqlite_engine(parsed)
    else:
        engine = create_postgres_engine(parsed)
    database = Database(engine)

    try:
        await migrate(database, f"opening the store at {where}")
    except BaseException:
        await database.close()
        raise
    return database


def create_sqlite_engine(url: URL) -> AsyncEngine:
    """Create an aiosqlite engine in WAL mode with a busy timeout and explicit BEGINs.

    Python's sqlite3 module issues BEGIN only before the first INSERT, UPDATE
    or DELETE, which leaves reads and DDL outside the transaction. So the
    driver stays in autocommit mode and the ``begin`` event emits BEGIN or
    BEGIN IMMEDIATE itself.
    """
    database = url.database or ""
    if not url.query.get("uri"):
        try:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"creating the folder of the SQLite store {database} failed: {exc}"
            ) from exc

    engine = create_async_engine(url)

    @event.listens_for(engine.sync_engine, "connect")
    def configure_connection(dbapi_connection: Any, connection_record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def begin_transaction(connection: Connection) -> None:
        # Reads run in autocommit, because each store read is one SELECT (one
        # per 5,000 ids), which SQLite serves from one snapshot anyway. Skipping
        # BEGIN saves a round trip to the driver thread per read.
        if connection.get_execution_options().get(WRITE_OPTION):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def create_postgres_engine(url: URL) -> AsyncEngine:
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = POSTGRES_CONNECT_TIMEOUT_SECONDS
    return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args)


async def migrate(database: Database, operation: str) -> None:
    """Run the Alembic migrations up to head. A database already at head is left as is."""
    loop = asyncio.get_running_loop()
    lock = _migration_locks.setdefault(loop, asyncio.Lock())

    async with lock, database.transaction(operation, write=True) as connection:
        try:
            await connection.run_sync(upgrade_to_head)
        except CommandError as exc:
            # For example a database migrated by a newer scimbridge release.
            raise StoreError(database.describe_failure(operation, exc)) from exc


def upgrade_to_head(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Held until the transaction ends, so a second process waits here and
        # then finds the database already at head.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})

    config = Config(str(ALEMBIC_INI))
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
