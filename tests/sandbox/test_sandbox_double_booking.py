"""One active booking per resident, item and day (issue 9): refused as 409 duplicate-booking
with the booking that exists; idempotent replays, other days and cancelled bookings are fine."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import requests
from sandbox_helpers import TODAY, Api, assert_problem, booking_body

from services.schemas import PROBLEM_DUPLICATE_BOOKING, DuplicateBookingProblem

THURSDAY = (TODAY + timedelta(days=3)).isoformat()
FRIDAY = (TODAY + timedelta(days=4)).isoformat()
NEXT_MONDAY = (TODAY + timedelta(days=7)).isoformat()
ITEM = "RS-S001"  # 社会保障卡申领, a city item: the city hall and the district halls serve it


def slot(day: str, hhmm: str, hall: str = "HALL-CITY") -> str:
    return f"{hall}@{day}T{hhmm}"


def remaining(api: Api, hall: str, slot_id: str, item: str = ITEM) -> int:
    day = slot_id.split("@")[1][:10]
    slots = api.get(f"/v1/items/{item}/slots", {"hall": hall, "date": day}).json()["slots"]
    return int(next(s["remaining"] for s in slots if s["id"] == slot_id))


def book(api: Api, hall: str, slot_id: str, n: int, key: str,
         item: str = ITEM) -> requests.Response:
    return api.post("/v1/bookings", booking_body(item, hall, slot_id, n=n), key=key)


def assert_duplicate_of(r: requests.Response, first: dict[str, Any]) -> dict[str, Any]:
    """409 duplicate-booking naming the booking that exists (the resident's own)."""
    body = assert_problem(r, 409, PROBLEM_DUPLICATE_BOOKING)
    problem = DuplicateBookingProblem.model_validate(body)
    assert problem.reference == first["reference"]
    assert problem.item_id == first["item_id"] and problem.item_name == first["item_name"]
    assert problem.hall_id == first["hall_id"] and problem.hall_name == first["hall_name"]
    assert problem.date.isoformat() == first["date"]
    assert problem.start.isoformat() == first["start"]
    assert problem.end.isoformat() == first["end"]
    assert "id_number" not in body and "4201" not in r.text  # no personal data echoed
    return body


def test_the_same_slot_twice_is_refused_and_takes_no_second_seat(api: Api) -> None:
    s = slot(THURSDAY, "09:00")
    before = remaining(api, "HALL-CITY", s)
    first = book(api, "HALL-CITY", s, 501, "dup-same-1")
    assert first.status_code == 201, first.text
    again = book(api, "HALL-CITY", s, 501, "dup-same-2")
    assert_duplicate_of(again, first.json())
    assert remaining(api, "HALL-CITY", s) == before - 1


def test_another_slot_or_another_hall_the_same_day_is_refused(api: Api) -> None:
    first = book(api, "HALL-CITY", slot(THURSDAY, "09:30"), 502, "dup-other-1")
    assert first.status_code == 201, first.text
    other_slot = slot(THURSDAY, "15:00")
    before = remaining(api, "HALL-CITY", other_slot)
    assert_duplicate_of(book(api, "HALL-CITY", other_slot, 502, "dup-other-2"), first.json())
    assert remaining(api, "HALL-CITY", other_slot) == before
    district = slot(THURSDAY, "10:00", "HALL-JC")
    assert_duplicate_of(book(api, "HALL-JC", district, 502, "dup-other-3"), first.json())


def test_another_day_another_item_and_another_resident_are_fine(api: Api) -> None:
    assert book(api, "HALL-CITY", slot(THURSDAY, "10:00"), 503, "dup-fine-1").status_code == 201
    assert book(api, "HALL-CITY", slot(FRIDAY, "10:00"), 503, "dup-fine-2").status_code == 201
    assert book(api, "HALL-CITY", slot(NEXT_MONDAY, "10:00"), 503,
                "dup-fine-3").status_code == 201
    other_item = book(api, "HALL-CITY", slot(THURSDAY, "10:00"), 503, "dup-fine-4",
                      item="RS-S004")
    assert other_item.status_code == 201, other_item.text
    assert book(api, "HALL-CITY", slot(THURSDAY, "10:00"), 504, "dup-fine-5").status_code == 201


def test_a_cancelled_booking_does_not_count(api: Api) -> None:
    first = book(api, "HALL-CITY", slot(THURSDAY, "10:30"), 505, "dup-cancel-1").json()
    assert_duplicate_of(book(api, "HALL-CITY", slot(THURSDAY, "11:00"), 505, "dup-cancel-2"),
                        first)
    cancelled = api.post(f"/v1/bookings/{first['reference']}/cancel", key="dup-cancel-3")
    assert cancelled.status_code == 200, cancelled.text
    # The same key as the refused attempt: a refusal was not stored, so it is judged afresh.
    again = book(api, "HALL-CITY", slot(THURSDAY, "11:00"), 505, "dup-cancel-2")
    assert again.status_code == 201, again.text
    assert again.json()["reference"] != first["reference"]


def test_a_retry_of_the_same_request_replays_the_first_booking(api: Api) -> None:
    s = slot(THURSDAY, "11:30")
    before = remaining(api, "HALL-CITY", s)
    first = book(api, "HALL-CITY", s, 506, "dup-replay-1")
    assert first.status_code == 201
    refused = book(api, "HALL-CITY", slot(THURSDAY, "14:00"), 506, "dup-replay-2")
    assert_duplicate_of(refused, first.json())
    replay = book(api, "HALL-CITY", s, 506, "dup-replay-1")
    assert replay.status_code == 201 and replay.json() == first.json()
    assert remaining(api, "HALL-CITY", s) == before - 1


def test_concurrent_requests_of_one_resident_book_exactly_once(api: Api) -> None:
    """12 requests of one resident at once, for different slots and halls of one day."""
    slots = [("HALL-CITY", slot(FRIDAY, t)) for t in ("09:00", "09:30", "10:30", "11:00",
                                                       "14:00", "14:30")]
    slots += [("HALL-JC", slot(FRIDAY, t, "HALL-JC")) for t in ("09:00", "09:30", "10:30",
                                                                 "11:00", "14:00", "14:30")]
    before = sum(remaining(api, hall, s) for hall, s in slots)
    barrier = threading.Barrier(len(slots))
    results: list[requests.Response] = []
    lock = threading.Lock()

    def race(n: int, hall: str, slot_id: str) -> None:
        session = requests.Session()
        barrier.wait()
        r = session.post(api.url + "/v1/bookings", json=booking_body(ITEM, hall, slot_id, n=520),
                         headers={**api.auth, "Idempotency-Key": f"dup-race-{n}"}, timeout=30)
        with lock:
            results.append(r)

    threads = [threading.Thread(target=race, args=(n, hall, s))
               for n, (hall, s) in enumerate(slots)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [r for r in results if r.status_code == 201]
    assert len(won) == 1, [r.status_code for r in results]
    for r in results:
        if r.status_code != 201:
            assert_duplicate_of(r, won[0].json())
    assert sum(remaining(api, hall, s) for hall, s in slots) == before - 1
    writes = api.get("/sandbox/ledger").json()["writes"]
    raced = [w for w in writes if w["idempotency_key"].startswith("dup-race-")]
    assert [w["reference"] for w in raced] == [won[0].json()["reference"]]


def test_openapi_documents_the_duplicate_problem(api: Api) -> None:
    doc = api.get("/openapi.json").json()
    schema = doc["components"]["schemas"]["DuplicateBookingProblem"]
    assert {"type", "title", "status", "reference", "date", "start", "hall_name",
            "item_name"} <= set(schema["properties"])
    conflict = doc["paths"]["/v1/bookings"]["post"]["responses"]["409"]
    assert "DuplicateBookingProblem" in str(conflict)
