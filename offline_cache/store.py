"""The terminal's SQLite database: durable connections (WAL, synchronous=FULL) and named migrations."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 10_000

#: Named migrations, applied in order once each and recorded in `migrations`. Never edit a
#: shipped one: terminals in the field have already applied it; add a new name instead.
MIGRATIONS: Sequence[tuple[str, str]] = (
    ("0001_outbox", """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            resident_key TEXT NOT NULL,
            payload BLOB NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'sent', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            next_attempt_at REAL NOT NULL,
            last_error TEXT,
            response TEXT,
            done_at REAL);
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        CREATE INDEX outbox_resident ON outbox (resident_key, id);
    """),
    ("0002_cache", """
        CREATE TABLE cache (
            key TEXT PRIMARY KEY,
            etag TEXT,
            body TEXT NOT NULL,
            fetched_at REAL NOT NULL);
    """),
    # When a delivered outcome (e.g. of a provisional offline booking) was shown to the
    # resident at a later visit: shown once, then never again.
    ("0003_outbox_shown", """
        ALTER TABLE outbox ADD COLUMN shown_at REAL;
    """),
)


class StoreError(Exception):
    """The database file cannot be opened or migrated (corrupt, wrong file, no permission)."""


class Store:
    """One SQLite file shared by the outbox, the caches and the sync worker.

    A single connection guarded by a lock: the kiosk writes a few rows a minute, and one
    connection keeps every commit in one place, in order, with `synchronous=FULL` so that a
    write acknowledged to a resident survives a power cut.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000,
                                         isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the terminal database {self.path}: "
                             f"{type(exc).__name__}: {exc}") from None

    def _migrate(self) -> None:
        with self.transaction() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS migrations "
                         "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT "
                         "(datetime('now')))")
            done = {r[0] for r in conn.execute("SELECT name FROM migrations")}
            for name, sql in MIGRATIONS:
                if name in done:
                    continue
                # executescript would COMMIT our transaction; run statement by statement.
                for statement in (s.strip() for s in sql.split(";")):
                    if statement:
                        conn.execute(statement)
                conn.execute("INSERT INTO migrations (name) VALUES (?)", (name,))

    def applied_migrations(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute("SELECT name FROM migrations ORDER BY rowid")]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT under the lock; ROLLBACK on any error (then re-raised)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    def integrity_ok(self) -> bool:
        with self._lock:
            return bool(self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
