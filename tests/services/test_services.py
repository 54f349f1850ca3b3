"""CatalogueService and BookingService end to end against the real sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_helpers import TODAY, request_for

from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.errors import Conflict, NotFound
from services.schemas import BookingRequest


def test_catalogue(client: PlatformClient) -> None:
    cat = CatalogueService(client)
    found = cat.search_items("sbk", bookable=True, limit=5)
    assert found.total > 5 and len(found.items) == 5
    assert found.items[0].name.startswith("社保卡") or "社会保障卡" in found.items[0].name
    assert cat.search_items(level="村", limit=1).items[0].level == "村"
    assert cat.search_items(department="公安局", offset=10, limit=3).items[0].department == "公安局"
    item = cat.get_item(found.items[0].id)
    assert item == found.items[0]
    assert len(cat.departments()) >= 20
    events = cat.life_events()
    birth = next(e for e in events if e.name == "新生儿出生")
    assert cat.search_items(life_event=birth.id, limit=100).total == len(birth.item_ids)
    assert len(cat.halls()) >= 30
    assert {h.level for h in cat.halls(item.id)} <= {"市", "区"}
    with pytest.raises(NotFound):
        cat.get_item("no/such item")


def test_booking_round_trip(client: PlatformClient) -> None:
    cat, bookings = CatalogueService(client), BookingService(client)
    item = cat.search_items("社会保障卡补换", level="区").items[0]
    hall = cat.halls(item.id)[0]
    day = TODAY + timedelta(days=4)  # Friday
    slots = bookings.slots(item.id, hall.id, day)
    assert slots and all(s.start.utcoffset() == timedelta(hours=8) for s in slots)
    slot = slots[-1]
    request = BookingRequest.model_validate(request_for(slot.id, hall.id, item.id))
    booking = bookings.book(request, "svc-book-1")
    assert booking.slot_id == slot.id and booking.resident_name_masked == "李*"
    assert bookings.book(request, "svc-book-1").reference == booking.reference
    assert bookings.get(booking.reference) == booking
    remaining = next(s.remaining for s in bookings.slots(item.id, hall.id, day) if s.id == slot.id)
    assert remaining == slot.remaining - 1
    cancelled = bookings.cancel(booking.reference, "svc-cancel-1")
    assert cancelled.status == "cancelled"
    assert bookings.cancel(booking.reference, "svc-cancel-1") == cancelled
    with pytest.raises(Conflict) as exc:
        bookings.cancel(booking.reference, "svc-cancel-2")
    assert exc.value.message == "该预约已经取消。"
    assert bookings.slots(item.id, hall.id, TODAY - timedelta(days=1)) == []
