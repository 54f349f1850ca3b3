"""Outbox on a real SQLite file: migrations, encryption at rest, ordering, backoff, dead letters,
purge."""

from __future__ import annotations

import random
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from offline_cache.crypto import OutboxKeyError, PayloadCipher, new_key
from offline_cache.outbox import Outbox
from offline_cache.store import MIGRATIONS, Store, StoreError
from offline_cache.sync import Backoff, Delivered, Refused, RetryLater, SendResult, SyncWorker

ID_NUMBER = "420102199001011236"
NAME = "张三明"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class ScriptedSender:
    """Answers each call from a script of results; records what was sent, in order."""

    def __init__(self, *results: SendResult) -> None:
        self.results = list(results)
        self.sent: list[tuple[str, str]] = []

    def __call__(self, kind: str, payload: dict[str, Any], key: str) -> SendResult:
        self.sent.append((kind, key))
        return self.results.pop(0) if self.results else Delivered({"ok": True})


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture()
def outbox(tmp_path: Path, clock: FakeClock) -> Any:
    store = Store(tmp_path / "kiosk.db")
    yield Outbox(store, PayloadCipher(new_key()), clock=clock)
    store.close()


def payload(i: int = 0) -> dict[str, Any]:
    return {"slot": f"s{i}", "resident": {"id_number": ID_NUMBER, "name": NAME}}


def test_migrations_are_named_recorded_and_applied_once(tmp_path: Path) -> None:
    Store(tmp_path / "a.db").close()
    store = Store(tmp_path / "a.db")
    assert store.applied_migrations() == [name for name, _ in MIGRATIONS]
    with store.reading() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.close()


def test_a_file_that_is_not_a_database_is_a_typed_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        Store(bad)


def test_personal_data_is_encrypted_at_rest(outbox: Outbox, tmp_path: Path) -> None:
    item = outbox.enqueue("booking.create", payload(), resident=ID_NUMBER)
    assert item.state == "pending" and item.idempotency_key
    outbox.store.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("kiosk.db*"))
    assert ID_NUMBER.encode() not in raw and NAME.encode("utf-8") not in raw
    conn = sqlite3.connect(tmp_path / "kiosk.db")
    assert ID_NUMBER not in str(conn.execute("SELECT * FROM outbox").fetchall())
    conn.close()


def test_wrong_key_cannot_read_and_item_goes_dead_not_sent(tmp_path: Path,
                                                           clock: FakeClock) -> None:
    store = Store(tmp_path / "k.db")
    Outbox(store, PayloadCipher(new_key()), clock=clock).enqueue("k", payload(), resident="r")
    other = Outbox(store, PayloadCipher(new_key()), clock=clock)
    sender = ScriptedSender()
    SyncWorker(other, sender).run_once()
    assert sender.sent == []
    assert other.status().counts["dead"] == 1
    store.close()


def test_malformed_key_is_refused() -> None:
    with pytest.raises(OutboxKeyError):
        PayloadCipher("not a key")


def test_enqueue_with_the_same_key_is_one_write(outbox: Outbox) -> None:
    a = outbox.enqueue("booking.create", payload(), resident="r", idempotency_key="k1")
    b = outbox.enqueue("booking.create", payload(), resident="r", idempotency_key="k1")
    assert a.id == b.id and outbox.status().counts["pending"] == 1


def test_retry_backs_off_then_delivers_with_the_same_key(outbox: Outbox,
                                                         clock: FakeClock) -> None:
    item = outbox.enqueue("booking.create", payload(), resident="r")
    sender = ScriptedSender(RetryLater("timeout"), RetryLater("503"))
    worker = SyncWorker(outbox, sender, backoff=Backoff(base_s=10, max_s=100),
                        rng=random.Random(1))
    assert worker.run_once() == 1
    assert worker.run_once() == 0, "not due again before its backoff"
    waiting = outbox.get(item.id)
    assert waiting.state == "pending" and waiting.last_error == "timeout"
    assert 5 <= waiting.next_attempt_at - clock.now <= 10
    clock.now = waiting.next_attempt_at
    worker.run_once()
    second = outbox.get(item.id)
    assert 10 <= second.next_attempt_at - clock.now <= 20, "the delay grows"
    clock.now = second.next_attempt_at
    worker.run_once()
    done = outbox.get(item.id)
    assert done.state == "sent" and done.attempts == 3 and done.response == {"ok": True}
    assert {key for _, key in sender.sent} == {item.idempotency_key}


def test_refusal_is_a_dead_letter_with_its_reason(outbox: Outbox) -> None:
    outbox.enqueue("booking.create", payload(), resident="r")
    SyncWorker(outbox, ScriptedSender(Refused("422 invalid"))).run_once()
    status = outbox.status()
    assert status.counts["dead"] == 1 and status.dead[0]["reason"] == "422 invalid"


def test_a_crashing_sender_is_a_retry(outbox: Outbox) -> None:
    def broken(kind: str, p: dict[str, Any], key: str) -> SendResult:
        raise RuntimeError("bug")
    outbox.enqueue("k", payload(), resident="r")
    SyncWorker(outbox, broken).run_once()
    assert outbox.status().counts["pending"] == 1


def test_order_is_kept_per_resident(outbox: Outbox, clock: FakeClock) -> None:
    a1 = outbox.enqueue("k", payload(1), resident="A")
    a2 = outbox.enqueue("k", payload(2), resident="A")
    b1 = outbox.enqueue("k", payload(3), resident="B")
    sender = ScriptedSender(RetryLater("down"), Delivered({}))
    worker = SyncWorker(outbox, sender, backoff=Backoff(base_s=5, max_s=5))
    worker.run_once()
    # A's first write failed: A's second waits behind it; B is independent.
    assert [k for _, k in sender.sent] == [a1.idempotency_key, b1.idempotency_key]
    assert worker.send_now(a2.id) is None
    clock.now += 10
    worker.run_once()
    worker.run_once()
    assert [k for _, k in sender.sent][2:] == [a1.idempotency_key, a2.idempotency_key]


def test_platform_back_brings_waiting_items_forward(outbox: Outbox, clock: FakeClock) -> None:
    first = outbox.enqueue("k", payload(1), resident="A")
    second = outbox.enqueue("k", payload(2), resident="B")
    worker = SyncWorker(outbox, ScriptedSender(RetryLater("down"), RetryLater("down")),
                        backoff=Backoff(base_s=60, max_s=60))
    worker.run_once()
    assert worker.online is False
    assert worker.send_now(first.id) is not None  # the resident taps again: it goes through
    assert outbox.get(second.id).next_attempt_at <= clock.now
    assert worker.run_once() == 1 and outbox.status().counts["sent"] == 2


def test_in_flight_after_a_crash_is_sent_again(outbox: Outbox) -> None:
    item = outbox.enqueue("k", payload(), resident="r")
    assert outbox.claim_due() and outbox.get(item.id).state == "in_flight"
    assert outbox.recover() == 1 and outbox.get(item.id).state == "pending"


def test_purge_after_delivery_and_retention(outbox: Outbox, clock: FakeClock) -> None:
    outbox.enqueue("k", payload(), resident="r")
    SyncWorker(outbox, ScriptedSender()).run_once()
    assert outbox.purge(retention_s=3600) == 0
    clock.now += 3601
    assert outbox.purge(retention_s=3600) == 1
    assert sum(outbox.status().counts.values()) == 0


def test_status_reports_oldest_pending_age(outbox: Outbox, clock: FakeClock) -> None:
    assert outbox.status().oldest_pending_age_s is None
    outbox.enqueue("k", payload(), resident="r")
    clock.now += 42
    assert outbox.status().oldest_pending_age_s == 42


def test_worker_thread_wakes_at_once_and_stops(tmp_path: Path) -> None:
    store = Store(tmp_path / "t.db")
    box = Outbox(store, PayloadCipher(new_key()))
    delivered = threading.Event()

    def sender(kind: str, p: dict[str, Any], key: str) -> SendResult:
        delivered.set()
        return Delivered({})
    worker = SyncWorker(box, sender, idle_poll_s=3600)  # would sleep an hour without wake()
    worker.start()
    try:
        box.enqueue("k", payload(), resident="r")
        worker.wake()
        assert delivered.wait(10)
    finally:
        worker.stop()
    store.close()


def test_worker_purges_delivered_items_after_retention(outbox: Outbox, clock: FakeClock) -> None:
    outbox.enqueue("k", payload(), resident="r")
    worker = SyncWorker(outbox, ScriptedSender(), retention_s=60, purge_every_s=10)
    worker.run_once()
    assert worker.purge_if_due() == 0
    clock.now += 61
    assert worker.purge_if_due() == 1
    assert outbox.status().counts["sent"] == 0
