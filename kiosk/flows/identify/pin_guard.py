"""Wrong staff PINs per terminal over time (kept in SQLite), so a new card buys no guesses."""

# `limit` wrong PINs within `window_s` lock entry for `lock_s` seconds, whoever the resident:
# placing the card again starts a new resident, not a new count. Kept beside the outbox so
# that a restart does not lift the lock. Times come from the injected clock; nothing of the
# PIN is stored or logged, only counts and times. No Kivy here.

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar

from offline_cache.store import make_owner_only
from services.schemas import CHINA_TZ

log = logging.getLogger(__name__)
T = TypeVar("T")


class PinLog(Protocol):
    """Where the wrong PINs and the lock are kept (times in seconds since the epoch)."""

    def add_failure(self, at: float) -> None: ...

    def failures_since(self, since: float) -> int: ...

    def lock(self, until: float) -> None: ...  # also forgets the failures that led to it

    def locked_until(self) -> float | None: ...

    def clear(self) -> None: ...  # the right PIN: earlier slips are forgiven


class MemoryPinLog:
    """A PinLog for one process (tests; the fallback when the database cannot be written)."""

    def __init__(self) -> None:
        self._failures: list[float] = []
        self._until: float | None = None
        self._lock = threading.Lock()

    def add_failure(self, at: float) -> None:
        with self._lock:
            self._failures.append(at)

    def failures_since(self, since: float) -> int:
        with self._lock:
            return sum(1 for at in self._failures if at > since)

    def lock(self, until: float) -> None:
        with self._lock:
            self._until, self._failures = until, []

    def locked_until(self) -> float | None:
        return self._until

    def clear(self) -> None:
        with self._lock:
            self._failures = []


_SCHEMA = """
    CREATE TABLE IF NOT EXISTS staff_pin_failures (at REAL NOT NULL);
    CREATE TABLE IF NOT EXISTS staff_pin_lock (
        id INTEGER PRIMARY KEY CHECK (id = 1), until REAL NOT NULL);
"""


class SqlitePinLog:
    """A PinLog in its own SQLite file; a connection per call (a few calls per staff visit)."""

    def __init__(self, path: str | Path) -> None:
        self._path = Path(path)
        self._fallback: MemoryPinLog | None = None

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        # Owner-only like the outbox: which staff tried a PIN when is the hall's business.
        make_owner_only(self._path)
        with closing(sqlite3.connect(str(self._path), timeout=10)) as conn:
            conn.execute("PRAGMA synchronous = FULL")  # a lock acknowledged survives power loss
            conn.executescript(_SCHEMA)
            with conn:  # one transaction per call
                yield conn

    def _do(self, work: Callable[[sqlite3.Connection], T],
            instead: Callable[[MemoryPinLog], T]) -> T:
        if self._fallback is None:
            try:
                with self._db() as db:
                    return work(db)
            except (sqlite3.Error, OSError) as exc:
                # Fail towards counting: a disk that cannot be written still limits guesses
                # until a restart, and says so for the operator.
                log.warning("staff PIN log %s unusable (%s): counting in memory only",
                            self._path, type(exc).__name__)
                self._fallback = MemoryPinLog()
        return instead(self._fallback)

    def add_failure(self, at: float) -> None:
        self._do(lambda db: db.execute("INSERT INTO staff_pin_failures (at) VALUES (?)", (at,)),
                 lambda mem: mem.add_failure(at))

    def failures_since(self, since: float) -> int:
        return self._do(lambda db: int(db.execute(
            "SELECT COUNT(*) FROM staff_pin_failures WHERE at > ?", (since,)).fetchone()[0]),
            lambda mem: mem.failures_since(since))

    def lock(self, until: float) -> None:
        def work(db: sqlite3.Connection) -> None:
            db.execute("INSERT OR REPLACE INTO staff_pin_lock (id, until) VALUES (1, ?)",
                       (until,))
            db.execute("DELETE FROM staff_pin_failures")
        self._do(work, lambda mem: mem.lock(until))

    def locked_until(self) -> float | None:
        def work(db: sqlite3.Connection) -> float | None:
            row = db.execute("SELECT until FROM staff_pin_lock WHERE id = 1").fetchone()
            return float(row[0]) if row else None
        return self._do(work, lambda mem: mem.locked_until())

    def clear(self) -> None:
        self._do(lambda db: db.execute("DELETE FROM staff_pin_failures"),
                 lambda mem: mem.clear())


class PinGuard:
    """The terminal's count of wrong staff PINs; one per terminal, shared by every resident."""

    def __init__(self, pins: PinLog, clock: Callable[[], datetime], *, limit: int = 5,
                 window_s: float = 15 * 60, lock_s: float = 15 * 60) -> None:
        if limit < 1 or window_s <= 0 or lock_s <= 0:
            raise ValueError("limit, window and lock must be positive")
        self._pins = pins
        self._clock = clock
        self.limit, self.window_s, self.lock_s = limit, window_s, lock_s

    def _now(self) -> float:
        return self._clock().timestamp()

    def locked_until(self) -> datetime | None:
        """When entry opens again (China time), or None when it is open now."""
        until = self._pins.locked_until()
        if until is None or until <= self._now():
            return None
        return datetime.fromtimestamp(until, CHINA_TZ)

    def wrong(self) -> datetime | None:
        """A wrong PIN was entered; returns the end of the lock when this one starts it."""
        now = self._now()
        self._pins.add_failure(now)
        if self._pins.failures_since(now - self.window_s) < self.limit:
            return None
        self._pins.lock(now + self.lock_s)
        log.warning("staff PIN entry locked on this terminal for %d min: %d wrong PINs within "
                    "%d min", round(self.lock_s / 60), self.limit, round(self.window_s / 60))
        return datetime.fromtimestamp(now + self.lock_s, CHINA_TZ)

    def right(self) -> None:
        self._pins.clear()
