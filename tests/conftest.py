"""Fixtures shared by every test folder: database and Redis servers on 127.0.0.1.

A test that needs PostgreSQL or Redis is skipped when the server is down,
except under CI=true, where a missing server fails the test run instead.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import psycopg
import pytest
import redis
import structlog
from psycopg import sql

POSTGRES_HOST = "127.0.0.1"
POSTGRES_PORT = 5432
POSTGRES_USERS = ("postgres", "root")
POSTGRES_ADMIN_DATABASE = "test"

REDIS_URL = "redis://127.0.0.1:6379/0"


def skip_or_fail(reason: str) -> NoReturn:
    """Skip the test when a server is missing, or fail it when CI=true."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def connect_postgres_admin() -> tuple[psycopg.Connection, str]:
    """Connect to the admin database as the first user that works, and return both."""
    errors = []
    for user in POSTGRES_USERS:
        try:
            connection = psycopg.connect(
                host=POSTGRES_HOST,
                port=POSTGRES_PORT,
                user=user,
                dbname=POSTGRES_ADMIN_DATABASE,
                connect_timeout=5,
                autocommit=True,
            )
        except psycopg.OperationalError as exc:
            errors.append(f"as {user}: {' '.join(str(exc).split())}")
            continue
        return connection, user

    skip_or_fail(
        f"PostgreSQL at {POSTGRES_HOST}:{POSTGRES_PORT}/{POSTGRES_ADMIN_DATABASE}"
        f" is unreachable ({'; '.join(errors)})"
    )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """URL of a SQLite file that does not exist yet, in this test's temporary folder."""
    return f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """URL of a PostgreSQL database created for this test run and dropped after it."""
    admin, user = connect_postgres_admin()
    name = f"scimbridge_test_{secrets.token_hex(6)}"
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield f"postgresql+psycopg://{user}@{POSTGRES_HOST}:{POSTGRES_PORT}/{name}"
        finally:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


@pytest.fixture(scope="session")
def redis_url() -> str:
    """URL of the Redis server, checked with PING."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        skip_or_fail(f"Redis at {REDIS_URL} is unreachable ({exc})")
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture(scope="session")
def redis_prefix(redis_url: str) -> Iterator[str]:
    """Key prefix unique to this test run. Every key under it is deleted afterwards."""
    prefix = f"scimbridge-test-{secrets.token_hex(6)}:"
    yield prefix

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=500))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def store_url(request: pytest.FixtureRequest) -> str:
    """URL of a store database: a fresh SQLite file, then the run's PostgreSQL database.

    The PostgreSQL database is shared by the whole run, so tests keep apart
    by using their own instance names.
    """
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture(autouse=True, scope="session")
def _quiet_gateway_logs() -> Iterator[None]:
    """Log only warnings and errors while the suite runs.

    Gateways and emulators run in background threads, so their per-request
    info lines would otherwise land between pytest's progress dots. Tests
    that read the log configure it themselves.
    """
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    yield
    structlog.configure(**saved)
