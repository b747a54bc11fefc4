"""Fixtures of the store tests: an open store on each database and a statement counter."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import event

from scimbridge.store import Store, open_store


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[Store]:
    opened = await open_store(store_url)
    yield opened
    await opened.close()


@pytest.fixture
def instance() -> str:
    """An instance name of this test alone, which keeps its rows apart in a shared database."""
    return f"instance-{secrets.token_hex(4)}"


@pytest.fixture
def statements(store: Store) -> Iterator[Counter[str]]:
    """Count the SQL statements the store sends, by first keyword (SELECT, INSERT, ...).

    An executemany call counts once per statement SQLAlchemy sends for it.
    """
    counts: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counts[statement.split(None, 1)[0].upper()] += 1

    engine = store.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    yield counts
    event.remove(engine, "before_cursor_execute", count)
