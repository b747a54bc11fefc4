from __future__ import annotations

import socket
from pathlib import Path

import pytest
from sqlalchemy import text

from scimbridge.errors import StoreError
from scimbridge.store import open_store

PASSWORD = "s3cret-Passw0rd"


def closed_port() -> int:
    """Return a loopback port that nothing listens on, found by binding and releasing it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def test_open_unreachable_postgres() -> None:
    url = f"postgresql+psycopg://scim:{PASSWORD}@127.0.0.1:{closed_port()}/gateway"

    with pytest.raises(StoreError) as caught:
        await open_store(url)

    message = str(caught.value)
    assert message.startswith("opening the store at postgresql+psycopg://scim:***@127.0.0.1:")
    assert "refused" in message
    assert PASSWORD not in message


async def test_open_invalid_url() -> None:
    with pytest.raises(StoreError, match="invalid database URL") as caught:
        await open_store(f"not a URL {PASSWORD}")

    assert PASSWORD not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("mysql://user@127.0.0.1/db", "unsupported database 'mysql'"),
        ("postgresql+asyncpg://user@127.0.0.1/db", "unsupported driver 'asyncpg'"),
        ("sqlite+pysqlite:///store.db", "unsupported driver 'pysqlite'"),
        ("sqlite+aiosqlite://", "in-memory SQLite store is not supported"),
        ("sqlite:///:memory:", "in-memory SQLite store is not supported"),
    ],
)
async def test_open_unsupported_url(url: str, expected: str) -> None:
    with pytest.raises(StoreError, match=expected):
        await open_store(url)


async def test_open_sqlite_folder_is_file(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")

    with pytest.raises(StoreError, match="creating the folder of the SQLite store"):
        await open_store(f"sqlite+aiosqlite:///{blocker / 'store.db'}")


async def test_query_error_names_operation(sqlite_url: str) -> None:
    store = await open_store(sqlite_url)
    try:
        async with store.engine.begin() as connection:
            await connection.execute(text("DROP TABLE resource_meta"))

        with pytest.raises(StoreError, match="reading resource metadata failed: no such table"):
            await store.meta.observe("i", "User", [("u1", "h")])
    finally:
        await store.close()
