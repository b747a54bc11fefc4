from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection

from scimbridge.errors import StoreError
from scimbridge.store import Store, open_store
from scimbridge.store.models import Base

HEAD = "0004"


@pytest.fixture
def ddl_statements() -> Iterator[Counter[str]]:
    """Count CREATE, ALTER and DROP statements sent by any engine during the test."""
    counts: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        keyword = statement.split(None, 1)[0].upper()
        if keyword in ("CREATE", "ALTER", "DROP"):
            counts[keyword] += 1

    event.listen(Engine, "before_cursor_execute", count)
    yield counts
    event.remove(Engine, "before_cursor_execute", count)


async def version_rows(store: Store) -> list[str]:
    async with store.engine.connect() as connection:
        result = await connection.execute(text("SELECT version_num FROM alembic_version"))
        return list(result.scalars())


async def test_migrations_create_schema(sqlite_url: str, ddl_statements: Counter[str]) -> None:
    async with await open_store(sqlite_url) as store:
        assert await version_rows(store) == [HEAD]

    assert ddl_statements["CREATE"] == 11


async def test_migrations_twice_no_op(store_url: str, ddl_statements: Counter[str]) -> None:
    async with await open_store(store_url) as store:
        assert await version_rows(store) == [HEAD]

    ddl_statements.clear()
    async with await open_store(store_url) as store:
        assert await version_rows(store) == [HEAD]

    assert ddl_statements == Counter()


async def test_migrations_match_models(store: Store) -> None:
    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection)
        differences: list[Any] = compare_metadata(context, Base.metadata)
        return differences

    async with store.engine.connect() as connection:
        differences = await connection.run_sync(compare)

    assert differences == []


async def test_migrations_concurrent_open(sqlite_url: str) -> None:
    first, second = await asyncio.gather(open_store(sqlite_url), open_store(sqlite_url))
    try:
        assert await version_rows(first) == [HEAD]
        assert await version_rows(second) == [HEAD]
    finally:
        await first.close()
        await second.close()


async def test_migrations_unknown_revision(sqlite_url: str) -> None:
    async with await open_store(sqlite_url) as store, store.engine.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))

    with pytest.raises(StoreError, match=r"opening the store at sqlite.* failed: .*f00d"):
        await open_store(sqlite_url)


async def test_sqlite_wal_mode(sqlite_url: str, tmp_path: Path) -> None:
    async with await open_store(sqlite_url):
        pass

    connection = sqlite3.connect(tmp_path / "store.db")
    try:
        [mode] = connection.execute("PRAGMA journal_mode").fetchone()
    finally:
        connection.close()
    assert mode == "wal"


async def test_sqlite_creates_folder(tmp_path: Path) -> None:
    path = tmp_path / "data" / "nested" / "store.db"

    async with await open_store(f"sqlite:///{path}") as store:
        assert await version_rows(store) == [HEAD]

    assert path.is_file()
