"""Test helpers on the real sandbox: a bookable item, hall and free slot, and a booking
request for them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.schemas import BookingRequest, Hall, Item, ResidentIn, Slot

TEST_ID_NUMBER = "42070219900101101X"
TEST_PHONE = "13800138000"


def free_slot(platform: Any, *, from_day: int = 1, query: str = "sbk"
              ) -> tuple[BookingService, Item, Hall, Slot]:
    """The first bookable item matching `query`, its first hall, and the first slot with a
    seat left from `from_day` days ahead on."""
    client = PlatformClient(platform.url, platform.token)
    bookings, catalogue = BookingService(client), CatalogueService(client)
    item = catalogue.search_items(query, bookable=True, limit=1).items[0]
    hall = catalogue.halls(item.id)[0]
    slot = next(s for d in range(from_day, 14) for s in bookings.slots(
        item.id, hall.id, date.today() + timedelta(days=d)) if s.remaining)
    return bookings, item, hall, slot


def booking_request(item: Item, hall: Hall, slot: Slot, name: str = "测试人") -> BookingRequest:
    return BookingRequest(item_id=item.id, hall_id=hall.id, slot_id=slot.id, resident=ResidentIn(
        id_number=TEST_ID_NUMBER, name=name, phone=TEST_PHONE))
