"""POST /v1/bookings and cancel: idempotency, capacity under concurrency, typed problems."""

from __future__ import annotations

import threading
from datetime import timedelta

import requests
from sandbox_helpers import TODAY, Api, assert_problem, booking_body

from services.references import is_valid_reference
from services.schemas import (PROBLEM_ALREADY_CANCELLED, PROBLEM_IDEMPOTENCY_KEY_MISSING,
                              PROBLEM_IDEMPOTENCY_KEY_REUSED, PROBLEM_NOT_BOOKABLE,
                              PROBLEM_NOT_FOUND, PROBLEM_SLOT_FULL, PROBLEM_SLOT_UNAVAILABLE,
                              Booking)

TUESDAY = (TODAY + timedelta(days=1)).isoformat()
WEDNESDAY = (TODAY + timedelta(days=2)).isoformat()
CITY_ITEM = "RS-S001"  # 社会保障卡申领 at city level: served at the city and district halls


def remaining(api: Api, item: str, hall: str, slot_id: str) -> int:
    day = slot_id.split("@")[1][:10]
    slots = api.get(f"/v1/items/{item}/slots", {"hall": hall, "date": day}).json()["slots"]
    return next(s["remaining"] for s in slots if s["id"] == slot_id)


def test_book_then_get(api: Api) -> None:
    slot = f"HALL-CITY@{TUESDAY}T09:00"
    before = remaining(api, CITY_ITEM, "HALL-CITY", slot)
    r = api.post("/v1/bookings", booking_body(CITY_ITEM, "HALL-CITY", slot), key="book-get-1")
    assert r.status_code == 201, r.text
    booking = Booking.model_validate(r.json())
    assert booking.status == "confirmed" and booking.item_name == "社会保障卡申领"
    assert booking.reference.startswith("YY261123") and is_valid_reference(booking.reference)
    assert booking.resident_name_masked == "张*明"
    assert booking.id_number_masked == "4201**********0006"
    assert booking.start.isoformat() == f"{TUESDAY}T09:00:00+08:00"
    assert remaining(api, CITY_ITEM, "HALL-CITY", slot) == before - 1
    again = api.get(f"/v1/bookings/{booking.reference}")
    assert again.status_code == 200 and again.json() == r.json()
    assert_problem(api.get("/v1/bookings/YY0000000000"), 404, PROBLEM_NOT_FOUND)


def test_same_key_same_body_replays_the_first_booking(api: Api) -> None:
    slot = f"HALL-CITY@{TUESDAY}T09:30"
    body = booking_body(CITY_ITEM, "HALL-CITY", slot, n=11)
    before = remaining(api, CITY_ITEM, "HALL-CITY", slot)
    first = api.post("/v1/bookings", body, key="replay-1")
    second = api.post("/v1/bookings", body, key="replay-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert remaining(api, CITY_ITEM, "HALL-CITY", slot) == before - 1
    # A new key is a new booking (another resident: one resident holds one booking of an
    # item a day, see test_sandbox_double_booking.py).
    other = api.post("/v1/bookings", booking_body(CITY_ITEM, "HALL-CITY", slot, n=12),
                     key="replay-2")
    assert other.json()["reference"] != first.json()["reference"]


def test_same_key_different_body_is_refused(api: Api) -> None:
    slot = f"HALL-CITY@{TUESDAY}T10:00"
    assert api.post("/v1/bookings", booking_body(CITY_ITEM, "HALL-CITY", slot, n=13),
                    key="reuse-1").status_code == 201
    r = api.post("/v1/bookings", booking_body(CITY_ITEM, "HALL-CITY", slot, n=14), key="reuse-1")
    assert_problem(r, 422, PROBLEM_IDEMPOTENCY_KEY_REUSED)


def test_missing_idempotency_key(api: Api) -> None:
    r = api.post("/v1/bookings", booking_body(CITY_ITEM, "HALL-CITY", f"HALL-CITY@{TUESDAY}T11:00"))
    assert_problem(r, 400, PROBLEM_IDEMPOTENCY_KEY_MISSING)
    assert_problem(api.post("/v1/bookings/YY0000000000/cancel"), 400,
                   PROBLEM_IDEMPOTENCY_KEY_MISSING)


def test_capacity_holds_under_concurrent_bookings(api: Api) -> None:
    """20 terminals race for one district slot; exactly its capacity get a seat."""
    item, hall, slot = "RS-Q002", "HALL-JC", f"HALL-JC@{WEDNESDAY}T09:00"
    capacity = remaining(api, item, hall, slot)
    assert 2 <= capacity <= 5
    barrier = threading.Barrier(20)
    results: list[requests.Response] = []
    lock = threading.Lock()

    def race(n: int) -> None:
        session = requests.Session()
        barrier.wait()
        r = session.post(api.url + "/v1/bookings", json=booking_body(item, hall, slot, n=n),
                         headers={**api.auth, "Idempotency-Key": f"race-{n}"}, timeout=30)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=race, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = [r for r in results if r.status_code == 201]
    full = [r for r in results if r.status_code == 409]
    assert len(ok) == capacity and len(full) == 20 - capacity
    assert len({r.json()["reference"] for r in ok}) == capacity
    for r in full:
        assert_problem(r, 409, PROBLEM_SLOT_FULL)
    assert remaining(api, item, hall, slot) == 0


def test_cancel_frees_the_seat(api: Api) -> None:
    slot = f"HALL-CITY@{TUESDAY}T10:30"
    before = remaining(api, CITY_ITEM, "HALL-CITY", slot)
    ref = api.post("/v1/bookings", booking_body(CITY_ITEM, "HALL-CITY", slot, n=15),
                   key="cancel-book").json()["reference"]
    assert remaining(api, CITY_ITEM, "HALL-CITY", slot) == before - 1
    r = api.post(f"/v1/bookings/{ref}/cancel", key="cancel-1")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert remaining(api, CITY_ITEM, "HALL-CITY", slot) == before
    replay = api.post(f"/v1/bookings/{ref}/cancel", key="cancel-1")
    assert replay.status_code == 200 and replay.json() == r.json()
    assert remaining(api, CITY_ITEM, "HALL-CITY", slot) == before  # freed once only
    assert_problem(api.post(f"/v1/bookings/{ref}/cancel", key="cancel-2"), 409,
                   PROBLEM_ALREADY_CANCELLED)
    assert api.get(f"/v1/bookings/{ref}").json()["status"] == "cancelled"
    assert_problem(api.post("/v1/bookings/YY0000000000/cancel", key="cancel-3"), 404,
                   PROBLEM_NOT_FOUND)
    # The same key on another operation is a reused key.
    assert_problem(api.post(f"/v1/bookings/{ref}/cancel", key="cancel-book"), 422,
                   PROBLEM_IDEMPOTENCY_KEY_REUSED)


def test_unbookable_and_mismatched_requests(api: Api) -> None:
    slot = f"HALL-CITY@{TUESDAY}T13:30"
    query_item = api.get("/v1/items", {"bookable": "false", "level": "市"}).json()["items"][0]
    assert_problem(api.post("/v1/bookings", booking_body(query_item["id"], "HALL-CITY", slot),
                            key="nb-1"), 422, PROBLEM_NOT_BOOKABLE)
    cases = [
        (CITY_ITEM, "HALL-JC", slot),  # slot of another hall
        (CITY_ITEM, "HALL-CITY", "HALL-CITY@garbage"),
        (CITY_ITEM, "HALL-CITY", f"HALL-CITY@{TUESDAY}T13:00"),  # lunch break
        (CITY_ITEM, "HALL-CITY", f"HALL-CITY@{TODAY - timedelta(days=1)}T09:00"),  # past
        (CITY_ITEM, "HALL-CITY", f"HALL-CITY@{TODAY + timedelta(days=14)}T09:00"),  # too far
        ("RS-Q002", "HALL-CITY", slot),  # a 区 item is not handled at the city hall
        ("NO-SUCH", "HALL-CITY", slot),
        (CITY_ITEM, "NOPE", slot),
    ]
    for n, (item, hall, slot_id) in enumerate(cases):
        r = api.post("/v1/bookings", booking_body(item, hall, slot_id), key=f"mismatch-{n}")
        assert_problem(r, 422, PROBLEM_SLOT_UNAVAILABLE)


def test_server_log_holds_no_personal_data(api: Api) -> None:
    """Runs after the bookings above: the log has paths, never ID numbers or names."""
    assert api.handle.log_path is not None
    log = api.handle.log_path.read_text(encoding="utf-8")
    assert "POST /v1/bookings" in log
    for secret in ("420102199001", "张小明", "王大锤", "13800138000"):
        assert secret not in log
    assert "Traceback" not in log
