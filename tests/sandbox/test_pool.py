"""The connection pool, the write transaction and the booking's SQL, on real SQLite files."""

from __future__ import annotations

import sqlite3
import threading
import uuid
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sandbox_helpers import TODAY, booking_body

from sandbox import ledger, pool, store
from sandbox import slots as sl
from sandbox.pool import ConnectionPool, PoolClosed, write_transaction
from services.schemas import BookingRequest


def _pool(tmp_path: Path, max_idle: int = pool.MAX_IDLE) -> tuple[ConnectionPool, list[int]]:
    """A pool on a fresh WAL database, and the list of connections it has made (their ids)."""
    db = tmp_path / "p.db"
    first = store.connect(db)
    first.execute("PRAGMA journal_mode = WAL")
    first.execute("CREATE TABLE t (v BLOB)")
    first.close()
    made: list[int] = []

    def connect() -> sqlite3.Connection:
        conn = store.connect(db, autocheckpoint=False)
        made.append(id(conn))
        return conn
    return ConnectionPool(connect, max_idle=max_idle), made


def test_a_returned_connection_is_lent_again(tmp_path: Path) -> None:
    p, made = _pool(tmp_path)
    with p.connection() as a:
        pass
    with p.connection() as b:
        assert b is a
    assert len(made) == 1 and p.counts == (1, 0)


def test_connections_lent_at_once_are_distinct(tmp_path: Path) -> None:
    p, made = _pool(tmp_path)
    barrier = threading.Barrier(6)
    seen: list[int] = []

    def borrow() -> None:
        with p.connection() as conn:
            seen.append(id(conn))
            barrier.wait(timeout=10)  # all six hold one at the same moment
    threads = [threading.Thread(target=borrow) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(seen)) == 6 and p.counts == (6, 0)


def test_idle_connections_beyond_the_limit_are_closed(tmp_path: Path) -> None:
    p, _ = _pool(tmp_path, max_idle=2)
    with p.connection() as a, p.connection() as b, p.connection() as c:
        pass
    assert p.counts == (2, 0)
    with pytest.raises(sqlite3.ProgrammingError):  # the third one back was closed
        next(conn for conn in (a, b, c) if conn not in p._idle).execute("SELECT 1")


def test_a_connection_comes_back_without_its_transaction(tmp_path: Path) -> None:
    """A request that ended inside a transaction must not pass its write lock on."""
    p, _ = _pool(tmp_path)
    with p.connection() as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (x'00')")
    assert not conn.in_transaction
    with p.connection() as again:
        assert again.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0


def test_close_closes_the_idle_and_later_the_lent(tmp_path: Path) -> None:
    p, _ = _pool(tmp_path)
    with p.connection() as idle:
        pass
    with p.connection() as a, p.connection() as lent:
        assert a is idle
        p.close()
        with pytest.raises(PoolClosed), p.connection():
            pass
        lent.execute("SELECT 1")  # still usable by the request that holds it
    for conn in (idle, lent):
        with pytest.raises(sqlite3.ProgrammingError):
            conn.execute("SELECT 1")
    assert p.counts == (0, 0)
    assert not (tmp_path / "p.db-wal").exists()  # the last close checkpointed and removed it


def test_a_failed_write_leaves_nothing(tmp_path: Path) -> None:
    p, _ = _pool(tmp_path)
    with p.connection() as conn:
        with pytest.raises(ValueError), write_transaction(conn):
            conn.execute("INSERT INTO t VALUES (x'00')")
            raise ValueError("refused")
        assert not conn.in_transaction
        assert conn.execute("SELECT COUNT(*) FROM t").fetchone()[0] == 0


def test_writes_checkpoint_so_the_wal_does_not_grow(tmp_path: Path) -> None:
    """The pool's connections do not checkpoint by themselves: without the passive checkpoint
    every CHECKPOINT_EVERY writes the WAL would hold every page ever written."""
    p, _ = _pool(tmp_path)
    wal = tmp_path / "p.db-wal"

    def write(n: int) -> None:
        for _ in range(n):
            with write_transaction(conn):
                conn.execute("INSERT INTO t VALUES (randomblob(3000))")
    with p.connection() as conn:
        write(pool.CHECKPOINT_EVERY - 1)
        before_any_checkpoint = wal.stat().st_size
        write(4 * pool.CHECKPOINT_EVERY)
    # Reused from its start after each checkpoint, not grown five times.
    assert wal.stat().st_size < 2.5 * before_any_checkpoint


def test_every_statement_of_a_booking_uses_an_index(tmp_path: Path) -> None:
    """A booking's SQL reads by key only, so the rate does not fall as bookings accumulate
    (before issue 11 the next reference was counted with LIKE over every booking)."""
    db = tmp_path / "plans.db"
    store.initialise(db)
    cat = store.load_catalogue(db)
    conn = store.connect(db)
    now = datetime.combine(TODAY, time(0), sl.CST)
    day = (TODAY + timedelta(days=1)).isoformat()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    for n in range(2):
        req = BookingRequest.model_validate(
            booking_body("RS-S001", "HALL-CITY", f"HALL-CITY@{day}T09:00", n=n))
        status, body = ledger.create_booking(conn, cat, "t", req, str(uuid.uuid4()), now)
        assert status == 201
    ledger.get_booking(conn, body["reference"], "t")
    conn.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith(("SELECT", "UPDATE",
                                                                       "DELETE", "INSERT"))]
    assert reads
    for sql in reads:
        plan = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        scans = [step for step in plan if step.startswith("SCAN")]
        assert not scans, (sql, plan)
    conn.close()
