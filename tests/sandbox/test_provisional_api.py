"""POST /v1/bookings/provisional over real HTTP: confirmed, moved to the nearest free slot, or
refused; one SMS each; never two seats."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.errors import Rejected
from services.schemas import (PROBLEM_CONTENT_TYPE, PROBLEM_INVALID_REQUEST, BookingRequest,
                              ProvisionalBookingRequest, ResidentIn, Slot)
from tests.validation_corpus import id_number

CN = timezone(timedelta(hours=8))
PHONE = "13800138000"


def _setup(platform: Any) -> tuple[BookingService, Any, Any, list[Slot]]:
    client = PlatformClient(platform.url, platform.token)
    bookings, catalogue = BookingService(client), CatalogueService(client)
    item = catalogue.search_items("sbk", bookable=True, limit=1).items[0]
    hall = catalogue.halls(item.id)[0]
    day = next(date.today() + timedelta(days=d) for d in range(2, 14)
               if len(bookings.slots(item.id, hall.id, date.today() + timedelta(days=d))) > 4)
    return bookings, item, hall, bookings.slots(item.id, hall.id, day)


def _request(item: Any, hall: Any, slot: Slot, n: int = 0) -> BookingRequest:
    """Resident `n` (one booking of an item a day each, so the fillers are others)."""
    return BookingRequest(item_id=item.id, hall_id=hall.id, slot_id=slot.id, resident=ResidentIn(
        id_number=id_number(f"42070219900101{n:03d}"), name=f"测试{n}", phone=PHONE))


def _provisional(req: BookingRequest, local: str, supersedes: str | None = None
                 ) -> ProvisionalBookingRequest:
    return ProvisionalBookingRequest(booking=req, local_reference=local, terminal_id="T0001",
                                     made_at=datetime.now(CN), supersedes_key=supersedes)


def _sms(platform: Any) -> list[dict[str, Any]]:
    return list(requests.get(platform.url + "/sandbox/sms", timeout=10, headers={
        "Authorization": f"Bearer {platform.token}"}).json()["messages"])


def _fill(bookings: BookingService, item: Any, hall: Any, slot: Slot, first: int = 1) -> None:
    """Other residents (`first`, `first` + 1, ...) take every seat left."""
    for n in range(slot.remaining):
        bookings.book(_request(item, hall, slot, first + n), f"fill-{slot.id}-{n}")


def test_free_slot_is_confirmed_once_and_the_resident_gets_one_sms(fresh_platform: Any) -> None:
    bookings, item, hall, slots = _setup(fresh_platform)
    req = _provisional(_request(item, hall, slots[3]), "L261127-001-T0001")
    first = bookings.book_provisional(req, "prov-1")
    again = bookings.book_provisional(req, "prov-1")
    assert first == again
    assert first.outcome == "confirmed" and first.booking is not None
    assert first.booking.slot_id == slots[3].id
    messages = _sms(fresh_platform)
    assert len(messages) == 1 and messages[0]["reference"] == first.booking.reference
    assert "L261127-001-T0001" in messages[0]["text"] and "已确认" in messages[0]["text"]
    assert messages[0]["phone_masked"] == "138****8000" and PHONE not in messages[0]["text"]


def test_full_slot_moves_to_the_nearest_free_slot_of_the_same_hall(fresh_platform: Any) -> None:
    bookings, item, hall, slots = _setup(fresh_platform)
    wanted = slots[3]
    _fill(bookings, item, hall, wanted)
    _fill(bookings, item, hall, slots[4], first=20)  # the later neighbour is full too
    outcome = bookings.book_provisional(
        _provisional(_request(item, hall, wanted), "L261127-002-T0001"), "prov-2")
    assert outcome.outcome == "moved" and outcome.booking is not None
    # Nearest in time to the requested slot: the earlier neighbour (the later one is full).
    assert outcome.booking.slot_id == slots[2].id and outcome.booking.hall_id == hall.id
    assert outcome.requested_start == wanted.start
    text = _sms(fresh_platform)[-1]["text"]
    assert "已约满" in text and outcome.booking.reference in text


def test_a_request_the_hall_cannot_serve_is_refused_with_a_reason(fresh_platform: Any) -> None:
    bookings, item, hall, slots = _setup(fresh_platform)
    bad = _request(item, hall, slots[0]).model_copy(update={"slot_id": "no-such-slot"})
    outcome = bookings.book_provisional(_provisional(bad, "L261127-003-T0001"), "prov-3")
    assert outcome.outcome == "refused" and outcome.booking is None and outcome.reason
    sms = _sms(fresh_platform)[-1]
    assert sms["reference"] == "L261127-003-T0001" and "未能预约成功" in sms["text"]
    ledger = requests.get(fresh_platform.url + "/sandbox/ledger", timeout=10, headers={
        "Authorization": f"Bearer {fresh_platform.token}"}).json()["writes"]
    assert [(w["kind"], w["reference"]) for w in ledger] == [
        ("booking.provisional", "L261127-003-T0001")]


def test_the_ordinary_booking_tried_first_is_the_outcome_never_a_second_seat(
        fresh_platform: Any) -> None:
    bookings, item, hall, slots = _setup(fresh_platform)
    slot = slots[5]
    req = _request(item, hall, slot)
    applied = bookings.book(req, "ordinary-1")  # reached the platform, the answer was lost
    outcome = bookings.book_provisional(_provisional(req, "L261127-004-T0001", "ordinary-1"),
                                        "prov-4")
    assert outcome.outcome == "confirmed" and outcome.booking == applied
    left = {s.id: s.remaining for s in bookings.slots(item.id, hall.id, slot.start.date())}
    assert left[slot.id] == slot.remaining - 1


def test_an_ordinary_booking_arriving_after_its_provisional_replays_it(
        fresh_platform: Any) -> None:
    bookings, item, hall, slots = _setup(fresh_platform)
    slot = slots[6]
    req = _request(item, hall, slot)
    outcome = bookings.book_provisional(_provisional(req, "L261127-005-T0001", "ordinary-2"),
                                        "prov-5")
    late = bookings.book(req, "ordinary-2")
    assert outcome.booking is not None and late.reference == outcome.booking.reference
    left = {s.id: s.remaining for s in bookings.slots(item.id, hall.id, slot.start.date())}
    assert left[slot.id] == slot.remaining - 1


def test_a_provisional_booking_the_resident_holds_already_that_day_is_refused(
        fresh_platform: Any) -> None:
    """Issue 9: booked online meanwhile (another slot, same item and day): refused, and the
    outcome and the SMS name the booking held; no second seat."""
    bookings, item, hall, slots = _setup(fresh_platform)
    held = bookings.book(_request(item, hall, slots[1]), "held-1")
    second = _provisional(_request(item, hall, slots[4]), "L261127-006-T0001")
    outcome = bookings.book_provisional(second, "prov-6")
    assert outcome.outcome == "refused" and outcome.booking is None
    assert outcome.conflict is not None and outcome.conflict.reference == held.reference
    assert outcome.conflict.hall_name == hall.name and outcome.conflict.start == held.start
    assert held.reference in outcome.reason and "同一事项同一天只能预约一次" in outcome.reason
    sms = _sms(fresh_platform)[-1]["text"]
    assert "未能预约成功" in sms and held.reference in sms and "12345" in sms
    left = {s.id: s.remaining for s in bookings.slots(item.id, hall.id, slots[4].start.date())}
    assert left[slots[4].id] == slots[4].remaining
    # The same request again replays the decision; a cancelled booking no longer counts.
    bookings.cancel(held.reference, "held-1-cancel")
    assert bookings.book_provisional(second, "prov-6") == outcome
    later = bookings.book_provisional(
        _provisional(_request(item, hall, slots[4]), "L261127-007-T0001"), "prov-7")
    assert later.outcome == "confirmed" and later.conflict is None


def test_a_full_slot_is_never_moved_onto_a_day_the_resident_holds_the_item(
        fresh_platform: Any) -> None:
    """The requested day is full; the resident holds the item on the open days either side:
    the nearest free slot on any other day is taken."""
    bookings, item, hall, slots = _setup(fresh_platform)
    wanted = slots[3]
    day = wanted.start.date()
    for i, s in enumerate(slots):
        _fill(bookings, item, hall, s, first=100 + 10 * i)  # the whole day is full
    held_days = []
    for step in (-1, 1):
        near = next((d for d in (day + timedelta(days=step * n) for n in range(1, 7))
                     if d > date.today() and bookings.slots(item.id, hall.id, d)), None)
        if near is not None:
            first = bookings.slots(item.id, hall.id, near)[0]
            bookings.book(_request(item, hall, first), f"held-{near}")
            held_days.append(near)
    assert held_days
    outcome = bookings.book_provisional(
        _provisional(_request(item, hall, wanted), "L261127-009-T0001"), "prov-9")
    assert outcome.outcome == "moved" and outcome.booking is not None
    assert outcome.booking.date != day and outcome.booking.date not in held_days


def test_a_provisional_booking_that_supersedes_itself_is_refused_for_good(
        fresh_platform: Any) -> None:
    # supersedes_key names the ordinary request tried first; its own key there made the
    # idempotency row collide with the one being written: a 500 on every resend, forever.
    bookings, item, hall, slots = _setup(fresh_platform)
    req = _provisional(_request(item, hall, slots[2]), "L261127-009-T0001", "prov-self")
    for _ in range(2):  # the same answer again: the outbox sees a final refusal each time
        answer = requests.post(
            fresh_platform.url + "/v1/bookings/provisional", json=req.model_dump(mode="json"),
            timeout=10, headers={"Authorization": f"Bearer {fresh_platform.token}",
                                 "Idempotency-Key": "prov-self"})
        assert answer.status_code == 422, answer.text
        assert answer.headers["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
        problem = answer.json()
        assert problem["type"] == PROBLEM_INVALID_REQUEST and problem["status"] == 422
        assert "supersedes_key" in problem["detail"]
    with pytest.raises(Rejected):
        bookings.book_provisional(req, "prov-self")
    assert _sms(fresh_platform) == []  # nothing was decided, nobody was told
    assert bookings.slots(item.id, hall.id, slots[2].start.date())[2].remaining \
        == slots[2].remaining
