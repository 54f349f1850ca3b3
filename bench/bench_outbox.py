"""Benchmark: durable outbox enqueue vs a raw fsync'd SQLite insert, and outbox drain vs a raw
requests loop."""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

from writes.domains.booking import KIND_BOOKING
from writes.outbox import open_outbox
from writes.sender import PlatformSender
from offline_cache.sync import SyncWorker
from sandbox.testing import run_sandbox
from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.validation import check_digit

PAYLOAD: dict[str, Any] = {"item_id": "x", "hall_id": "h", "slot_id": "s",
                           "resident": {"id_number": "420102199001011236", "name": "张三明",
                                        "phone": "13800138000"}}
#: Writes per turn when the raw inserts and the enqueues take turns.
TURN = 10


def enqueue_rates(tmp: Path, n: int) -> tuple[float, float]:
    """n raw fsync'd inserts of the payload (JSON text, a unique key per row; its own table in
    WAL, synchronous=FULL, autocommit) and n outbox enqueues, per second. The two sides take
    turns, TURN writes each, the first side alternating, so load that comes and goes on a
    shared machine falls on both alike; each side's rate is its writes over its own time."""
    conn = sqlite3.connect(str(tmp / "raw.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE q (id INTEGER PRIMARY KEY, k TEXT UNIQUE, body TEXT)")
    body = json.dumps(PAYLOAD, ensure_ascii=False)
    # In tmp/data: the outbox's default key folder (data-keys/) is then in tmp too.
    box = open_outbox(tmp / "data" / "outbox.db")

    def raw(i: int) -> None:
        conn.execute("INSERT INTO q (k, body) VALUES (?, ?)", (str(uuid.uuid4()), body))

    def enqueue(i: int) -> None:
        box.enqueue(KIND_BOOKING, PAYLOAD, resident=f"r{i % 50}")

    spent = {raw: 0.0, enqueue: 0.0}
    for turn, first in enumerate(range(0, n, TURN)):
        for write in (raw, enqueue) if turn % 2 == 0 else (enqueue, raw):
            start = time.perf_counter()
            for i in range(first, min(first + TURN, n)):
                write(i)
            spent[write] += time.perf_counter() - start
    conn.close()
    box.store.close()
    return n / spent[raw], n / spent[enqueue]


def booking_bodies(client: PlatformClient, n: int) -> list[dict[str, Any]]:
    """n booking requests on free seats (several items, halls and days), one resident each
    (a resident books an item once a day)."""
    cat, bk = CatalogueService(client), BookingService(client)
    bodies: list[dict[str, Any]] = []
    for item in cat.search_items("", bookable=True, limit=50).items:
        for hall in cat.halls(item.id)[:3]:
            for d in range(1, 14):
                for slot in bk.slots(item.id, hall.id, date.today() + timedelta(days=d)):
                    for _ in range(slot.remaining):
                        # A real GB 11643 number each (the platform checks the check digit).
                        first17 = f"42010219900101{len(bodies):03d}"
                        resident = dict(PAYLOAD["resident"],
                                        id_number=first17 + check_digit(first17))
                        bodies.append({"item_id": item.id, "hall_id": hall.id,
                                       "slot_id": slot.id, "resident": resident})
                        if len(bodies) == n:
                            return bodies
    raise RuntimeError("not enough free seats in the sandbox")


def drain_rates(tmp: Path, n: int) -> tuple[float, float]:
    with run_sandbox(tmp / "sandbox.db") as platform, \
            PlatformClient(platform.url, platform.token, timeout=30) as client:
        bodies = booking_bodies(client, 2 * n)
        raw_bodies, box_bodies = bodies[:n], bodies[n:]
        session = requests.Session()
        headers = {"Authorization": f"Bearer {platform.token}"}
        start = time.perf_counter()
        for body in raw_bodies:
            r = session.post(platform.url + "/v1/bookings", json=body, timeout=30,
                             headers=dict(headers, **{"Idempotency-Key": str(uuid.uuid4())}))
            r.raise_for_status()
        raw = n / (time.perf_counter() - start)
        session.close()
        box = open_outbox(tmp / "data" / "drain.db")
        for i, body in enumerate(box_bodies):
            box.enqueue(KIND_BOOKING, body, resident=f"r{i}")
        worker = SyncWorker(box, PlatformSender(client))
        start = time.perf_counter()
        if not worker.drain(timeout_s=600):
            raise RuntimeError("outbox did not drain")
        project = n / (time.perf_counter() - start)
        if box.status().counts["sent"] != n:
            raise RuntimeError(f"drain ended with {box.status().counts}")
        box.store.close()
    return raw, project


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=300, choices=range(1, 500), metavar="1..499",
                        help="writes per side (the drain books 2n residents, 3-digit serials)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        base, mine = enqueue_rates(tmp, args.n)
        print(f"enqueue  baseline raw fsync'd insert: {base:8.1f}/s  outbox (AES-GCM, FULL): "
              f"{mine:8.1f}/s  ratio {mine / base:.2f}")
        raw, drained = drain_rates(tmp, args.n)
        print(f"drain    baseline requests loop:      {raw:8.1f}/s  outbox sync worker:      "
              f"{drained:8.1f}/s  ratio {drained / raw:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
