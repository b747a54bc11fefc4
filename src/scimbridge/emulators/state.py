"""Persistence of emulator records as JSON documents in one SQLite file.

An emulator keeps its working data in memory and writes every change through to
a :class:`DocumentStore`. On start it loads the documents back, so a second
emulator on the same file reads what the first one wrote. Without a path the
store keeps nothing and every write is a no-op.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

Document = dict[str, Any]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
)
"""


class DocumentStore:
    """JSON documents keyed by ``(kind, key)`` in a SQLite file, or nowhere when ``path`` is None.

    Each write is committed at once. One connection is shared by all threads
    and guarded by a lock, which is enough for one process.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None

        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(_SCHEMA)
            self._connection = connection

    def load(self, kind: str) -> dict[str, Document]:
        """Return every document of ``kind``, keyed by document key."""
        if self._connection is None:
            return {}

        with self._lock:
            rows = self._connection.execute(
                "SELECT key, body FROM documents WHERE kind = ?", (kind,)
            ).fetchall()
        return {key: json.loads(body) for key, body in rows}

    def put(self, kind: str, key: str, document: Document) -> None:
        """Insert or replace one document."""
        if self._connection is None:
            return

        body = json.dumps(document, separators=(",", ":"))
        with self._lock:
            self._connection.execute(
                "INSERT OR REPLACE INTO documents (kind, key, body) VALUES (?, ?, ?)",
                (kind, key, body),
            )

    def delete(self, kind: str, key: str) -> None:
        """Delete one document; a missing document is not an error."""
        if self._connection is None:
            return

        with self._lock:
            self._connection.execute(
                "DELETE FROM documents WHERE kind = ? AND key = ?", (kind, key)
            )

    def close(self) -> None:
        """Close the SQLite connection; later writes are dropped."""
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
