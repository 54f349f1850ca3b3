"""The terminal's SQLite database: durable connections (WAL, synchronous=FULL) and named
migrations."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    # Imported where used: sqlite-utils imports numpy when it is installed, a tenth of a
    # second at every start, needed only when a migration is pending (issue 11).
    from sqlite_utils import Database

BUSY_TIMEOUT_MS = 10_000

#: A migration is SQL (one or more statements) or a function given the sqlite-utils Database.
Migration: TypeAlias = "str | Callable[[Database], None]"


def _cache_table(db: Database) -> None:
    db.table("cache").create({"key": str, "etag": str, "body": str, "fetched_at": float},
                       pk="key", not_null={"body", "fetched_at"})


def _outbox_shown_at(db: Database) -> None:
    # When a delivered outcome (e.g. of a provisional offline booking) was shown to the
    # resident at a later visit: shown once, then never again.
    db.table("outbox").add_column("shown_at", float)


#: The outbox without AUTOINCREMENT (its sqlite_sequence row was a page more in every enqueue's
#: commit; a rowid is still larger than every id in the table, and the ordering of a resident's
#: writes only compares rows that are there) and with one index, on (state, resident_key, id,
#: next_attempt_at), instead of (state, next_attempt_at) and (resident_key, id): an enqueue's
#: commit writes the row, its idempotency key and this index. The index serves the per-state
#: queries, a resident's rows (state by state) and, without reading rows, when the next
#: pending write is due. Rows keep their ids. SQL: sqlite-utils can express neither the CHECK
#: nor the UNIQUE constraint.
_OUTBOX_ONE_INDEX = """
    CREATE TABLE outbox_0004 (
        id INTEGER PRIMARY KEY,
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
        done_at REAL,
        shown_at REAL);
    INSERT INTO outbox_0004 (id, kind, idempotency_key, resident_key, payload, state, attempts,
                             created_at, next_attempt_at, last_error, response, done_at, shown_at)
        SELECT id, kind, idempotency_key, resident_key, payload, state, attempts, created_at,
               next_attempt_at, last_error, response, done_at, shown_at FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_0004 RENAME TO outbox;
    CREATE INDEX outbox_state ON outbox (state, resident_key, id, next_attempt_at);
"""

#: Named migrations, applied in order once each and recorded in `migrations`. Never change
#: what a shipped one does: terminals in the field have already applied it; add a new name.
#: 0001 stays SQL because sqlite-utils' create() cannot express its AUTOINCREMENT, CHECK and
#: UNIQUE constraints; the others make exactly the schema their original SQL made.
MIGRATIONS: Sequence[tuple[str, Migration]] = (
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
    ("0002_cache", _cache_table),
    ("0003_outbox_shown", _outbox_shown_at),
    ("0004_outbox_one_index", _OUTBOX_ONE_INDEX),
)


def make_owner_only(path: Path) -> None:
    """Make the database file (and a -wal or -shm left from before) mode 0600.

    SQLite creates a new database 0644 less the umask, and gives its -wal and -shm the
    database file's mode: creating the file 0600 first keeps all three owner-only whatever
    the umask; a file from an earlier release is tightened."""
    fd = os.open(str(path), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != 0o600:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        if side.exists() and stat.S_IMODE(side.stat().st_mode) != 0o600:
            side.chmod(0o600)


class StoreError(Exception):
    """The database file cannot be opened or migrated (corrupt, wrong file, no permission)."""


class Store:
    """One SQLite file shared by the outbox, the caches and the sync worker.

    A single connection guarded by a lock: the kiosk writes a few rows a minute, and one
    connection keeps every commit in one place, in order, with `synchronous=FULL` so that a
    write acknowledged to a resident survives a power cut. `db` is the same connection seen
    through sqlite-utils, for migrations and schema work.
    """

    def __init__(self, path: str | Path, *,
                 migrations: Sequence[tuple[str, Migration]] = MIGRATIONS) -> None:
        self.path = Path(path)
        self._lock = threading.RLock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            make_owner_only(self.path)
            self._conn = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000,
                                         isolation_level=None, check_same_thread=False)
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = FULL")
            self._db: Database | None = None
            if self._pending(migrations):
                self._migrate(migrations)
        except (sqlite3.Error, OSError) as exc:
            raise StoreError(f"cannot open the terminal database {self.path}: "
                             f"{type(exc).__name__}: {exc}") from None

    @property
    def db(self) -> Database:
        """The same connection seen through sqlite-utils (made at first use)."""
        if self._db is None:
            from sqlite_utils import Database
            # No recursive_triggers pragma, no plugin hooks: the connection stays exactly as
            # configured above, whatever sqlite-utils plugins happen to be installed.
            self._db = Database(self._conn, recursive_triggers=False, execute_plugins=False)
        return self._db

    def _pending(self, migrations: Sequence[tuple[str, Migration]]) -> bool:
        """True when a migration is not applied yet (read without sqlite-utils)."""
        with self._lock:
            if self._conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                  "AND name = 'migrations'").fetchone() is None:
                return True
            done = {r[0] for r in self._conn.execute("SELECT name FROM migrations")}
        return any(name not in done for name, _ in migrations)

    def _migrate(self, migrations: Sequence[tuple[str, Migration]]) -> None:
        # All pending migrations in one BEGIN IMMEDIATE: a crash leaves none or all of them.
        # Inside it sqlite-utils uses savepoints and executescript() does not COMMIT.
        with self.transaction():
            self.db.table("migrations").create(
                {"name": str, "applied_at": str}, pk="name", not_null={"applied_at"},
                defaults={"applied_at": "datetime('now')"}, if_not_exists=True)
            done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
            for name, migration in migrations:
                if name in done:
                    continue
                if isinstance(migration, str):
                    self.db.executescript(migration)
                else:
                    migration(self.db)
                self.db.execute("INSERT INTO migrations (name) VALUES (?)", (name,))

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

    def write(self, sql: str, params: Sequence[object] = ()) -> int:
        """One statement as its own transaction (SQLite's autocommit; inside `transaction()`
        it joins that one); the rowid it inserted. A statement without RETURNING has run to
        its end when execute() returns: the commit is done and fsync'd."""
        with self._lock:
            return int(self._conn.execute(sql, params).lastrowid or 0)

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
