"""The running sandbox keeps its SQLite connections between requests, a bounded number of them,
closes them all when it stops, and an acknowledged booking survives the server being killed."""

from __future__ import annotations

import os
import signal
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import requests
from sandbox_helpers import TODAY, Api, booking_body

from sandbox.testing import SandboxHandle, run_sandbox

DAY = (TODAY + timedelta(days=1)).isoformat()
#: The city hall's half-hour slots on DAY, 5 seats each.
SLOTS = [f"HALL-CITY@{DAY}T{h:02d}:{m:02d}" for h in (9, 10, 11, 14, 15, 16) for m in (0, 30)]


def _db_fds(pid: int, db: Path) -> int:
    """How many of the server's descriptors are open on the database file itself (one per
    SQLite connection; its -wal and -shm files are not counted)."""
    target = str(db.resolve())
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                count += 1
        except FileNotFoundError:
            pass  # closed while we looked
    return count


def _book(handle: SandboxHandle, n: int) -> requests.Response:
    body = booking_body("RS-S001", "HALL-CITY", SLOTS[n % len(SLOTS)], n=n)
    return Api(handle).post("/v1/bookings", body, key=f"conn-{n}")


def test_connections_are_kept_between_requests(tmp_path: Path) -> None:
    """Before, each request opened and closed its own connection, and closing the last one
    checkpointed the WAL with an fsync: between requests no connection was open."""
    db = tmp_path / "kept.db"
    with run_sandbox(db, today=TODAY) as handle:
        assert handle.pid is not None
        assert _book(handle, 0).status_code == 201
        assert Api(handle).get("/v1/items/RS-S001/slots",
                               {"hall": "HALL-CITY", "date": DAY}).status_code == 200
        assert _db_fds(handle.pid, db) >= 1
        assert (tmp_path / "kept.db-wal").exists()


def test_connections_stay_bounded_under_concurrent_requests(tmp_path: Path) -> None:
    """At most one connection per request in flight, however many requests were served.
    (Descriptors, not connections, are counted: SQLite keeps the descriptor of a connection
    closed while another holds a lock and reuses it for the next, so they can exceed MAX_IDLE
    but not the number of requests that were ever in flight at once.)"""
    db = tmp_path / "bounded.db"
    workers = 12
    with run_sandbox(db, today=TODAY) as handle:
        assert handle.pid is not None
        for wave in range(3):
            with ThreadPoolExecutor(max_workers=workers) as pool:
                statuses = list(pool.map(lambda n: _book(handle, n).status_code,
                                         range(wave * 20, wave * 20 + 20)))
            assert statuses == [201] * 20
            assert 1 <= _db_fds(handle.pid, db) <= workers
        slots = Api(handle).get("/v1/items/RS-S001/slots",
                                {"hall": "HALL-CITY", "date": DAY}).json()["slots"]
        assert sum(5 - s["remaining"] for s in slots) == 60


def test_stopping_closes_every_connection(tmp_path: Path) -> None:
    """The last connection closed checkpoints the WAL into the database and deletes it: a
    -wal file left behind means the server exited with a connection still open."""
    db = tmp_path / "closed.db"
    fds_before = len(os.listdir("/proc/self/fd"))
    for round_ in range(2):
        with run_sandbox(db, today=TODAY) as handle:
            with ThreadPoolExecutor(max_workers=8) as pool:
                assert set(pool.map(lambda n: _book(handle, n).status_code,
                                    range(round_ * 16, round_ * 16 + 16))) == {201}
        assert not (tmp_path / "closed.db-wal").exists()
    assert len(os.listdir("/proc/self/fd")) == fds_before


def test_an_acknowledged_booking_survives_the_server_being_killed(tmp_path: Path) -> None:
    """synchronous=NORMAL in WAL mode: COMMIT has written the booking to the WAL before the
    answer goes out, so SIGKILL (no shutdown, no checkpoint) loses nothing."""
    db = tmp_path / "killed.db"
    with run_sandbox(db, today=TODAY) as first:
        assert first.pid is not None
        booked = [_book(first, n).json() for n in range(5)]
        os.kill(first.pid, signal.SIGKILL)
    with run_sandbox(db, today=TODAY) as second:
        api = Api(second)
        for booking in booked:
            assert api.get(f"/v1/bookings/{booking['reference']}").json() == booking
        ledger = api.get("/sandbox/ledger").json()["writes"]
        assert [w["reference"] for w in ledger] == [b["reference"] for b in booked]
