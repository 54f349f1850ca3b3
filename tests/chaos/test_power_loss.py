"""SQLite power-loss emulation: copies of the outbox files taken mid-write open intact and hold
every acknowledged write."""

from __future__ import annotations

import random
import shutil
import threading
import time
from pathlib import Path

from offline_cache.crypto import PayloadCipher, new_key
from offline_cache.outbox import Outbox
from offline_cache.store import Store

#: Below SQLite's auto-checkpoint (1000 pages): only WAL appends happen while we copy, which is
#: what the disk holds at a power cut (a checkpoint racing a file copy is a copy artefact).
WRITES = 180
COPIES = 12


def test_copies_taken_during_writes_keep_every_acknowledged_write(tmp_path: Path) -> None:
    key = new_key()
    db = tmp_path / "kiosk.db"
    store = Store(db)
    box = Outbox(store, PayloadCipher(key))
    acked: list[str] = []
    done = threading.Event()

    def writer() -> None:
        try:
            for i in range(WRITES):
                item = box.enqueue("booking.create", {"n": i, "resident": {"name": "王*"}},
                                   resident=f"r{i % 7}")
                acked.append(item.idempotency_key)  # enqueue returned: acknowledged
        finally:
            done.set()

    rng = random.Random(3)
    snapshots: list[tuple[Path, list[str]]] = []
    thread = threading.Thread(target=writer)
    thread.start()
    n = 0
    while not done.is_set() and n < COPIES:
        time.sleep(rng.uniform(0.0, 0.05))
        before = list(acked)  # acknowledged before the "power cut" begins
        target = tmp_path / f"copy{n}"
        target.mkdir()
        # The main file first, then the WAL: the WAL only grows meanwhile, so the copy is
        # what a disk may hold after a cut (possibly with a torn last frame).
        for suffix in ("", "-wal"):
            src = Path(f"{db}{suffix}")
            if src.exists():
                shutil.copyfile(src, target / f"kiosk.db{suffix}")
        snapshots.append((target / "kiosk.db", before))
        n += 1
    thread.join(60)
    store.close()
    assert len(snapshots) >= 3 and any(0 < len(b) < WRITES for _, b in snapshots), \
        "copies should land while writes are going on"
    for path, before in snapshots:
        copy = Store(path)
        assert copy.integrity_ok(), f"{path} is damaged"
        recovered = Outbox(copy, PayloadCipher(key))
        with copy.reading() as conn:
            rows = {r[0]: r[1] for r in conn.execute("SELECT idempotency_key, id FROM outbox")}
        missing = [k for k in before if k not in rows]
        assert not missing, f"{len(missing)} acknowledged writes lost in {path}"
        for k in before[:5]:
            assert recovered.get(rows[k]).payload is not None, "payload readable after recovery"
        copy.close()
