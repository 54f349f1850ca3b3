"""What an enqueue writes (issue 11.5): one commit holding the row, its key and one index of
states, committed before it returns; the outbox's queries still search that index."""

from __future__ import annotations

import base64
import hashlib
import hmac
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from offline_cache.crypto import PayloadCipher, new_key
from offline_cache.outbox import Outbox, OutboxError
from offline_cache.store import Store

WAL_HEADER = 32
FRAME_HEADER = 24


@pytest.fixture()
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    store = Store(tmp_path / "kiosk.db")
    yield Outbox(store, PayloadCipher(new_key()))
    store.close()


def payload(i: int) -> dict[str, Any]:
    return {"slot": f"s{i}", "resident": {"id_number": "420102199001011236", "name": "张三明"}}


def wal_frames(store: Store) -> int:
    with store.reading() as conn:
        page = int(conn.execute("PRAGMA page_size").fetchone()[0])
    size = Path(f"{store.path}-wal").stat().st_size
    return (size - WAL_HEADER) // (page + FRAME_HEADER)


def test_an_enqueue_commits_fewer_than_four_pages(outbox: Outbox) -> None:
    # Without checkpoints the WAL only grows, one frame per page a commit writes. The row's
    # page, its idempotency key's and the state index's: three (a page split adds the odd
    # one). An index more, or AUTOINCREMENT's sqlite_sequence page, is four or more.
    with outbox.store.reading() as conn:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    outbox.enqueue("k", payload(0), resident="r0")  # the first commit creates the WAL
    before = wal_frames(outbox.store)
    n = 200
    for i in range(1, n + 1):
        outbox.enqueue("k", payload(i), resident=f"r{i % 7}")
    per_enqueue = (wal_frames(outbox.store) - before) / n
    assert per_enqueue < 4, f"{per_enqueue:.2f} pages per enqueue"


def test_an_enqueue_is_committed_when_it_returns(outbox: Outbox) -> None:
    # Another connection sees the row at once: no transaction was left open (for instance by
    # a RETURNING statement whose rows were not all read), so the commit and its fsync are done.
    item = outbox.enqueue("k", payload(1), resident="r")
    other = sqlite3.connect(outbox.store.path)
    try:
        rows = other.execute("SELECT id, idempotency_key FROM outbox").fetchall()
    finally:
        other.close()
    assert rows == [(item.id, item.idempotency_key)]
    assert item.payload == payload(1) and item.state == "pending" and item.attempts == 0


def test_the_same_key_again_returns_the_row_committed_first(outbox: Outbox) -> None:
    a = outbox.enqueue("k", payload(1), resident="r", idempotency_key="key-1")
    b = outbox.enqueue("k", payload(2), resident="r", idempotency_key="key-1")
    assert b.id == a.id and b.payload == payload(1)
    with outbox.store.reading() as conn:
        assert conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 1


def test_a_key_used_for_another_kind_is_refused_and_nothing_is_written(outbox: Outbox) -> None:
    outbox.enqueue("k", payload(1), resident="r", idempotency_key="key-1")
    with pytest.raises(OutboxError, match="another kind"):
        outbox.enqueue("other", payload(2), resident="r", idempotency_key="key-1")
    with outbox.store.reading() as conn:
        assert [tuple(r) for r in conn.execute("SELECT kind FROM outbox")] == [("k",)]


def test_a_row_that_breaks_another_constraint_is_refused(outbox: Outbox) -> None:
    # Only a taken key returns the existing row; any other refusal reaches the caller.
    with outbox.store.reading() as conn:
        conn.execute("CREATE TRIGGER no_x BEFORE INSERT ON outbox WHEN NEW.kind = 'x' "
                     "BEGIN SELECT RAISE(ABORT, 'refused'); END")
    with pytest.raises(sqlite3.IntegrityError, match="refused"):
        outbox.enqueue("x", payload(1), resident="r")


def test_the_outbox_queries_search_an_index(outbox: Outbox) -> None:
    # A week of delivered writes stays in the table: the worker's and the identify screen's
    # queries must not read all of it. Only the count of references made today scans (rare).
    for i in range(30):
        outbox.enqueue("k", payload(i), resident=f"r{i % 3}")
    traced: list[str] = []
    with outbox.store.reading() as conn:
        conn.set_trace_callback(traced.append)
    try:
        items = outbox.claim_due(5)
        outbox.mark_sent(items[0].id, {"ok": True})
        outbox.mark_retry(items[1].id, "503", 10.0)
        outbox.mark_dead(items[2].id, "refused")
        outbox.claim(items[1].id)
        outbox.next_wakeup()
        outbox.due_now()
        outbox.pending_count()
        outbox.unshown("r1", ["k"])
        outbox.mark_shown([items[0].id])
        outbox.recover()
        outbox.status()
        outbox.purge()
    finally:
        with outbox.store.reading() as conn:
            conn.set_trace_callback(None)
    queries = [q for q in traced if q.split()[0].upper() in {"SELECT", "UPDATE", "DELETE"}]
    assert len(queries) > 10
    with outbox.store.reading() as conn:
        for q in queries:
            plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + q)]
            # A scan of the state index alone (the counts by state) reads no rows.
            scans = [p for p in plan if p.startswith("SCAN") and "COVERING INDEX" not in p]
            assert not scans, f"{q}\n{plan}"
            if "MIN(next_attempt_at)" in q:  # the worker asks after every round: no row read
                assert all("COVERING INDEX" in p for p in plan), f"{q}\n{plan}"


def test_rows_are_sealed_and_keep_the_pseudonyms_of_earlier_releases(tmp_path: Path) -> None:
    # Rows written before the upgrade are found by the same pseudonym (unshown, ordering),
    # and neither the ID number nor the name is on disk in clear.
    key = new_key()
    store = Store(tmp_path / "kiosk.db")
    box = Outbox(store, PayloadCipher(key))
    item = box.enqueue("k", payload(1), resident="420102199001011236")
    mac_key = hashlib.sha256(b"resident-order\x00" + base64.urlsafe_b64decode(key)).digest()
    earlier = hmac.new(mac_key, b"420102199001011236", hashlib.sha256).hexdigest()[:32]
    assert item.resident_key == earlier
    with store.reading() as conn:
        assert conn.execute("SELECT resident_key FROM outbox").fetchone()[0] == earlier
    on_disk = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.db*"))
    assert b"420102199001011236" not in on_disk and "张三明".encode() not in on_disk
    store.close()
