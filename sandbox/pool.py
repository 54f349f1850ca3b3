"""SQLite connections kept open for the life of the app, each lent to one request at a time."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Idle connections kept; one more than this returned at once is closed instead. Requests run
#: in a pool of 40 threads, but a write holds the database's one write lock, so more than a
#: few open connections only queue behind it.
MAX_IDLE = 16


class PoolClosed(RuntimeError):
    """The app is shutting down: no more connections are lent."""


class ConnectionPool:
    """Lends connections made by `connect`, one request at a time.

    Opening a connection per request cost a WAL checkpoint with an fsync whenever the last
    one closed (issue 11: 14.8 ms a write against 0.45 ms on a kept connection). A connection
    is never used by two requests at once; it may be used by several threads one after the
    other (FastAPI runs a dependency and its route in different worker threads), which
    `check_same_thread=False` allows and sqlite3 serialises.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection],
                 max_idle: int = MAX_IDLE) -> None:
        self._connect = connect
        self._max_idle = max_idle
        self._idle: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._lent = 0
        self._closed = False

    @contextmanager
    def connection(self) -> Iterator[sqlite3.Connection]:
        conn = self._take()
        try:
            yield conn
        finally:
            self._give_back(conn)

    def _take(self) -> sqlite3.Connection:
        with self._lock:
            if self._closed:
                raise PoolClosed("the sandbox is shutting down")
            self._lent += 1
            if self._idle:
                return self._idle.pop()  # the most recently used: its pages are warm
        try:
            return self._connect()
        except BaseException:
            with self._lock:
                self._lent -= 1
            raise

    def _give_back(self, conn: sqlite3.Connection) -> None:
        try:
            if conn.in_transaction:
                # A request that ended inside a transaction (every write rolls back on error,
                # so this is a bug elsewhere) must not pass its write lock on to the next one.
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            conn.close()
            with self._lock:
                self._lent -= 1
            return
        with self._lock:
            self._lent -= 1
            if not self._closed and len(self._idle) < self._max_idle:
                self._idle.append(conn)
                return
        conn.close()

    @property
    def counts(self) -> tuple[int, int]:
        """(idle, lent) connections, for tests."""
        with self._lock:
            return len(self._idle), self._lent

    def close(self) -> None:
        """Close the idle connections and refuse to lend more; one still lent is closed when
        it comes back. The last connection closed checkpoints the WAL into the database."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


#: The writers of this process queue here rather than in SQLite: a BEGIN IMMEDIATE that finds
#: the database locked polls it, sleeping 1, 2, 5, 10 … ms between tries, so that at 4 clients
#: writers slept more than they wrote; a lock hands over at once. Another process on the same
#: file (a second server) is still held off by SQLite's own lock and the busy timeout.
_WRITER = threading.Lock()
#: Write transactions between two checkpoints of the WAL into the database. A booking dirties
#: about a dozen pages, so this is near SQLite's own default of 1,000 pages.
CHECKPOINT_EVERY = 80
_writes = 0


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """BEGIN IMMEDIATE … COMMIT, or ROLLBACK when the block raises. The write lock is taken
    before anything is read, so two requests racing for the last seat are serialised.

    The pool's connections do not checkpoint by themselves (wal_autocheckpoint off): SQLite
    would run it inside COMMIT, and its fsync would hold every other writer up behind the
    lock. Every CHECKPOINT_EVERY-th writer runs a passive checkpoint after letting go of it.
    """
    global _writes
    with _WRITER:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            conn.execute("COMMIT")
        except BaseException:
            # COMMIT itself may fail (disk full); the transaction is still open then.
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        _writes += 1
        due = _writes % CHECKPOINT_EVERY == 0
    if due:
        # PASSIVE: copies what no reader still needs and waits for nobody; writers go on.
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
