"""`kiosk outbox status`, `kiosk sync` and the sandbox ledger over real HTTP and real files."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests

from writes.domains.booking import KIND_BOOKING
from writes.outbox import open_outbox
from sandbox.testing import free_port

ROOT = Path(__file__).resolve().parents[2]


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=ROOT)


def booking_body(platform: Any) -> dict[str, Any]:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {platform.token}"
    item = s.get(platform.url + "/v1/items", params={"q": "sbk", "bookable": "true"},
                 timeout=10).json()["items"][0]
    hall = s.get(platform.url + "/v1/halls", params={"item": item["id"]}, timeout=10).json()
    hall_id = hall["halls"][0]["id"]
    for d in range(1, 14):
        day = (date.today() + timedelta(days=d)).isoformat()
        slots = s.get(f"{platform.url}/v1/items/{item['id']}/slots",
                      params={"hall": hall_id, "date": day}, timeout=10).json()["slots"]
        if slots:
            return {"item_id": item["id"], "hall_id": hall_id, "slot_id": slots[0]["id"],
                    "resident": {"id_number": "420102199001011236", "name": "张三明",
                                 "phone": "13800138000"}}
    raise AssertionError("no slot")


def ledger(platform: Any) -> list[dict[str, Any]]:
    r = requests.get(platform.url + "/sandbox/ledger", timeout=10,
                     headers={"Authorization": f"Bearer {platform.token}"})
    assert r.status_code == 200
    return list(r.json()["writes"])


def test_ledger_records_each_applied_write_once_and_refuses_reused_keys(
        fresh_platform: Any) -> None:
    body = booking_body(fresh_platform)
    url = fresh_platform.url + "/v1/bookings"
    h = {"Authorization": f"Bearer {fresh_platform.token}", "Idempotency-Key": "k-1"}
    first = requests.post(url, json=body, headers=h, timeout=10)
    again = requests.post(url, json=body, headers=h, timeout=10)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json(), "the first answer is replayed"
    other = dict(body, resident=dict(body["resident"], phone="13900139000"))
    reused = requests.post(url, json=other, headers=h, timeout=10)
    assert reused.status_code == 422
    writes = ledger(fresh_platform)
    assert [(w["kind"], w["idempotency_key"]) for w in writes] == [("booking.create", "k-1")]
    assert requests.get(fresh_platform.url + "/sandbox/ledger", timeout=10).status_code == 401


def test_status_and_sync_from_the_shell(fresh_platform: Any, tmp_path: Path) -> None:
    db = tmp_path / "kiosk.db"
    box = open_outbox(db)
    box.enqueue(KIND_BOOKING, booking_body(fresh_platform), resident="420102199001011236")
    box.enqueue(KIND_BOOKING, {"item_id": "no-such"}, resident="x")  # invalid: dead letter
    box.store.close()

    status = json.loads(kiosk("outbox", "status", "--db", str(db), "--json").stdout)
    assert status["counts"]["pending"] == 2 and status["oldest_pending_age_s"] is not None

    down = kiosk("sync", "--db", str(db), "--platform", f"http://127.0.0.1:{free_port()}",
                 "--token", "t", "--until-empty", "--timeout", "1")
    assert down.returncode == 1, "pending items left: not a success"

    up = kiosk("sync", "--db", str(db), "--platform", fresh_platform.url, "--token",
               fresh_platform.token, "--until-empty", "--timeout", "30")
    assert up.returncode == 0, up.stderr[-1000:]
    after = json.loads(kiosk("outbox", "status", "--db", str(db), "--json").stdout)
    assert after["counts"]["sent"] == 1 and after["counts"]["dead"] == 1
    assert "payload invalid" in after["dead"][0]["reason"]
    assert len(ledger(fresh_platform)) == 1
    for out in (down, up):  # no personal data in what the commands print or log
        assert "420102199001011236" not in out.stdout + out.stderr
        assert "张三明" not in out.stdout + out.stderr


def test_status_of_a_broken_file_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage" * 1000)
    result = kiosk("outbox", "status", "--db", str(bad), "--json")
    assert result.returncode == 2
    assert "cannot open the outbox" in result.stderr and "Traceback" not in result.stderr
