"""The producer's durable spool: a journal of entries not yet accepted by EventBridge.

SQLite in WAL mode is the store: it ships with Python (no service to run), a write is durable
when its transaction commits, WAL lets the drain read while new entries are written, and a
process killed mid-write leaves the database consistent. Every entry is journaled before it is
sent (state ``pending``), marked ``sending`` while a request carries it, and deleted once
EventBridge accepted it; entries that could not be sent in time stay, and are drained oldest
first. An entry still ``sending`` when a process starts was in flight when the last one died: it
may have been delivered already, so it is resent and counted as a possible duplicate.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    entry TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending'
)
"""


class Spool:
    """Entries journaled in ``directory/spool.db``."""

    def __init__(self, directory: str | Path) -> None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path / "spool.db", check_same_thread=False,
                                   isolation_level=None)  # fmt: skip
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute(_SCHEMA)
            self.recovered_in_flight = self._db.execute(
                "UPDATE entries SET state = 'pending' WHERE state = 'sending'"
            ).rowcount
        """Entries that were being sent when the previous process stopped (possible duplicates)."""

    def add(self, entries: list[dict[str, Any]]) -> list[int]:
        """Journal entries; returns their ids."""
        with self._lock:
            self._db.execute("BEGIN")
            ids = [
                self._db.execute(
                    "INSERT INTO entries (entry) VALUES (?)", (json.dumps(e),)
                ).lastrowid
                for e in entries
            ]
            self._db.execute("COMMIT")
        return [int(i) for i in ids]

    def mark(self, ids: list[int], state: str) -> None:
        with self._lock:
            self._db.executemany(
                "UPDATE entries SET state = ? WHERE id = ?", [(state, i) for i in ids]
            )

    def remove(self, ids: list[int]) -> None:
        with self._lock:
            self._db.executemany("DELETE FROM entries WHERE id = ?", [(i,) for i in ids])

    def oldest(self, limit: int, exclude: set[int]) -> list[tuple[int, dict[str, Any]]]:
        """The oldest pending entries not in ``exclude`` (those this process is sending)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, entry FROM entries WHERE state = 'pending' ORDER BY id LIMIT ?",
                (limit + len(exclude),),
            ).fetchall()
        return [(int(i), json.loads(text)) for i, text in rows if i not in exclude][:limit]

    def depth(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM entries").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
