"""The outbox: every platform write is committed here first, then delivered by the sync worker."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from .crypto import DecryptError, PayloadCipher, encode
from .store import Store

State = Literal["pending", "in_flight", "sent", "dead"]
STATES: tuple[State, ...] = ("pending", "in_flight", "sent", "dead")
#: Delivered items keep their (encrypted) payload this long for support questions, then go.
DEFAULT_RETENTION_S = 7 * 24 * 3600
#: Dead items wait longer: an admin has to look at them first.
DEAD_RETENTION_S = 30 * 24 * 3600


class OutboxError(Exception):
    """A request to the outbox that cannot be honoured (unknown item, key reused...)."""


@dataclass(frozen=True)
class OutboxItem:
    id: int
    kind: str
    idempotency_key: str
    resident_key: str
    state: State
    attempts: int
    created_at: float
    next_attempt_at: float
    last_error: str | None
    payload: dict[str, Any] | None  # None once purged or unreadable
    response: dict[str, Any] | None


@dataclass(frozen=True)
class OutboxStatus:
    counts: dict[str, int]
    oldest_pending_age_s: float | None
    dead: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"counts": self.counts, "oldest_pending_age_s": self.oldest_pending_age_s,
                "dead": self.dead}


_INSERT = ("INSERT INTO outbox (kind, idempotency_key, resident_key, payload, state, created_at, "
           "next_attempt_at) VALUES (?, ?, ?, ?, 'pending', ?, ?)")
#: The open states, written out so that SQLite searches the state index for each of them.
_OPEN = "state IN ('pending', 'in_flight')"
#: Every state (the CHECK constraint's list): a search by resident through the state index.
_ANY_STATE = "state IN ('pending', 'in_flight', 'sent', 'dead')"


def _context(kind: str, key: str) -> str:
    return f"{kind}\n{key}"


class Outbox:
    """Durable queue of writes. Each row's idempotency key is made before its first attempt
    and never changes, so every resend is the same write to the platform."""

    def __init__(self, store: Store, cipher: PayloadCipher,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._cipher = cipher
        self._clock = clock

    def clock(self) -> float:
        return self._clock()

    # -- writing ---------------------------------------------------------------------------
    def enqueue(self, kind: str, payload: dict[str, Any], *, resident: str,
                idempotency_key: str | None = None) -> OutboxItem:
        """Commit a write (fsync'd on return). Enqueueing the same key again returns the
        existing row, so a double tap never queues two writes."""
        if not kind:
            raise OutboxError("a write needs a kind")
        key = idempotency_key or str(uuid.uuid4())
        now = self._clock()
        plain = encode(payload)
        rkey = self._cipher.resident_key(resident)
        values = (kind, key, rkey, self._cipher.seal_plain(plain, _context(kind, key)), now, now)
        try:
            # One statement, its own transaction: the commit writes the row, its key and the
            # state index, and is fsync'd before write() returns (synchronous=FULL).
            item_id = self.store.write(_INSERT, values)
        except sqlite3.IntegrityError:
            return self._existing(kind, key, values)  # most likely the key is taken
        # The row as written, its payload as it reads back, without reading or decrypting.
        return OutboxItem(id=item_id, kind=kind, idempotency_key=key, resident_key=rkey,
                          state="pending", attempts=0, created_at=now, next_attempt_at=now,
                          last_error=None, payload=json.loads(plain), response=None)

    def _existing(self, kind: str, key: str, values: tuple[object, ...]) -> OutboxItem:
        """The row that holds `key` (of the same kind), else the insert again (a row purged
        meanwhile, or an insert that breaks another constraint and raises once more)."""
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM outbox WHERE idempotency_key = ?",
                               (key,)).fetchone()
            if row is None:
                cur = conn.execute(_INSERT, values)
                row = conn.execute("SELECT * FROM outbox WHERE id = ?",
                                   (cur.lastrowid,)).fetchone()
            elif row["kind"] != kind:
                raise OutboxError("idempotency key already used for another kind of write")
        return self._item(row)

    def claim_due(self, limit: int = 20) -> list[OutboxItem]:
        """Mark due items in flight and return them; an item waits while an older write of
        the same resident is still undelivered, so each resident's writes keep their order."""
        now = self._clock()
        with self.store.transaction() as conn:
            rows = conn.execute(
                "SELECT * FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at <= ? "
                "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.resident_key = o.resident_key "
                "AND p.id < o.id AND p.state IN ('pending', 'in_flight')) "
                "ORDER BY o.id LIMIT ?", (now, limit)).fetchall()
            for r in rows:
                conn.execute("UPDATE outbox SET state = 'in_flight', attempts = attempts + 1 "
                             "WHERE id = ?", (r["id"],))
        return [self._item(r, state="in_flight", attempts=r["attempts"] + 1) for r in rows]

    def claim(self, item_id: int) -> OutboxItem | None:
        """Claim one item now (the resident is waiting), whatever its backoff; None when it is
        already in flight, delivered, dead, or an older write of the resident is not sent."""
        with self.store.transaction() as conn:
            r = conn.execute(
                "SELECT * FROM outbox o WHERE o.id = ? AND o.state = 'pending' "
                "AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.resident_key = o.resident_key "
                "AND p.id < o.id AND p.state IN ('pending', 'in_flight'))",
                (item_id,)).fetchone()
            if r is None:
                return None
            conn.execute("UPDATE outbox SET state = 'in_flight', attempts = attempts + 1 "
                         "WHERE id = ?", (item_id,))
        return self._item(r, state="in_flight", attempts=r["attempts"] + 1)

    def mark_sent(self, item_id: int, response: dict[str, Any]) -> None:
        with self.store.transaction() as conn:
            r = self._row(conn, item_id)
            blob = self._cipher.seal(response, _context(r["kind"], r["idempotency_key"]) + "\nr")
            conn.execute("UPDATE outbox SET state = 'sent', response = ?, last_error = NULL, "
                         "done_at = ? WHERE id = ?", (blob, self._clock(), item_id))

    def mark_retry(self, item_id: int, error: str, delay_s: float) -> None:
        now = self._clock()
        with self.store.transaction() as conn:
            conn.execute("UPDATE outbox SET state = 'pending', last_error = ?, "
                         "next_attempt_at = ? WHERE id = ? AND state = 'in_flight'",
                         (error[:500], now + max(delay_s, 0.0), item_id))

    def mark_dead(self, item_id: int, reason: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("UPDATE outbox SET state = 'dead', last_error = ?, done_at = ? "
                         "WHERE id = ?", (reason[:500], self._clock(), item_id))

    def recover(self) -> int:
        """After a crash, items left in flight may or may not have reached the platform:
        make them pending again; the idempotency key makes the resend harmless."""
        with self.store.transaction() as conn:
            return conn.execute("UPDATE outbox SET state = 'pending' "
                                "WHERE state = 'in_flight'").rowcount

    def due_now(self) -> int:
        """The platform answers again: bring every waiting item forward to now."""
        now = self._clock()
        with self.store.transaction() as conn:
            return conn.execute("UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending' "
                                "AND next_attempt_at > ?", (now, now)).rowcount

    def purge(self, retention_s: float = DEFAULT_RETENTION_S,
              dead_retention_s: float = DEAD_RETENTION_S) -> int:
        """Delete delivered items older than the retention window (and old dead ones)."""
        now = self._clock()
        with self.store.transaction() as conn:
            return conn.execute(
                "DELETE FROM outbox WHERE (state = 'sent' AND done_at <= ?) "
                "OR (state = 'dead' AND done_at <= ?)",
                (now - retention_s, now - dead_retention_s)).rowcount

    # -- reading ---------------------------------------------------------------------------
    def get(self, item_id: int) -> OutboxItem:
        with self.store.reading() as conn:
            return self._item(self._row(conn, item_id))

    def next_wakeup(self) -> float | None:
        with self.store.reading() as conn:
            r = conn.execute("SELECT MIN(next_attempt_at) FROM outbox "
                             "WHERE state = 'pending'").fetchone()
        return float(r[0]) if r and r[0] is not None else None

    def status(self) -> OutboxStatus:
        now = self._clock()
        with self.store.reading() as conn:
            counts: dict[str, int] = {s: 0 for s in STATES}
            for r in conn.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
                counts[r[0]] = int(r[1])
            oldest = conn.execute("SELECT MIN(created_at) FROM outbox "
                                  "WHERE state IN ('pending', 'in_flight')").fetchone()[0]
            dead = [{"id": r["id"], "kind": r["kind"], "idempotency_key": r["idempotency_key"],
                     "attempts": r["attempts"], "reason": r["last_error"]}
                    for r in conn.execute("SELECT * FROM outbox WHERE state = 'dead' "
                                          "ORDER BY id")]
        age = round(max(now - float(oldest), 0.0), 3) if oldest is not None else None
        return OutboxStatus(counts, age, dead)

    def unshown(self, resident: str, kinds: Collection[str]) -> list[OutboxItem]:
        """This resident's writes of `kinds` whose outcome they have not been shown yet,
        oldest first (for "your booking from last time" at their next visit)."""
        if not kinds:
            return []
        rkey = self._cipher.resident_key(resident)
        marks = ", ".join("?" for _ in kinds)
        with self.store.reading() as conn:
            rows = conn.execute(f"SELECT * FROM outbox WHERE {_ANY_STATE} AND resident_key = ? "
                                f"AND shown_at IS NULL AND kind IN ({marks}) ORDER BY id",
                                (rkey, *kinds)).fetchall()
        return [self._item(r) for r in rows]

    def mark_shown(self, item_ids: Iterable[int]) -> None:
        """The resident has seen these outcomes: they are not shown again."""
        with self.store.transaction() as conn:
            conn.executemany("UPDATE outbox SET shown_at = ? WHERE id = ?",
                             [(self._clock(), i) for i in item_ids])

    def count_since(self, kind: str, since: float) -> int:
        """How many writes of `kind` were queued since `since` (numbers local references)."""
        with self.store.reading() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM outbox WHERE kind = ? AND "
                                    "created_at >= ?", (kind, since)).fetchone()[0])

    def pending_count(self) -> int:
        with self.store.reading() as conn:
            return int(conn.execute(f"SELECT COUNT(*) FROM outbox WHERE {_OPEN}"
                                    ).fetchone()[0])

    # -- rows ------------------------------------------------------------------------------
    @staticmethod
    def _row(conn: sqlite3.Connection, item_id: int) -> sqlite3.Row:
        r: sqlite3.Row | None = conn.execute("SELECT * FROM outbox WHERE id = ?",
                                             (item_id,)).fetchone()
        if r is None:
            raise OutboxError(f"no outbox item {item_id}")
        return r

    def _item(self, r: sqlite3.Row, *, state: State | None = None,
              attempts: int | None = None) -> OutboxItem:
        ctx = _context(r["kind"], r["idempotency_key"])
        try:
            payload = self._cipher.open(bytes(r["payload"]), ctx) if r["payload"] else None
        except DecryptError:
            payload = None
        try:
            response = (self._cipher.open(bytes(r["response"]), ctx + "\nr")
                        if r["response"] else None)
        except DecryptError:
            response = None
        return OutboxItem(
            id=int(r["id"]), kind=r["kind"], idempotency_key=r["idempotency_key"],
            resident_key=r["resident_key"], state=state or r["state"],
            attempts=attempts if attempts is not None else int(r["attempts"]),
            created_at=float(r["created_at"]), next_attempt_at=float(r["next_attempt_at"]),
            last_error=r["last_error"], payload=payload, response=response)


