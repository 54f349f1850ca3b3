"""POST /v1/bookings/{reference}/sms over real HTTP: idempotent, masked, 404 when unknown."""

from __future__ import annotations

from typing import Any

import requests

from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.errors import NotFound
from services.schemas import BookingRequest, ResidentIn

import pytest


def test_sms_is_sent_once_per_key_and_masked(fresh_platform: Any) -> None:
    client = PlatformClient(fresh_platform.url, fresh_platform.token)
    bookings, catalogue = BookingService(client), CatalogueService(client)
    item = catalogue.search_items("sbk", bookable=True, limit=1).items[0]
    hall = catalogue.halls(item.id)[0]
    from datetime import date, timedelta
    slot = next(s for d in range(1, 14) for s in bookings.slots(
        item.id, hall.id, date.today() + timedelta(days=d)) if s.remaining)
    booking = bookings.book(BookingRequest(
        item_id=item.id, hall_id=hall.id, slot_id=slot.id,
        resident=ResidentIn(id_number="420702199001011011", name="测试人", phone="13800138000")),
        "book-1")
    first = bookings.send_sms(booking.reference, "13800138000", "sms-1")
    again = bookings.send_sms(booking.reference, "13800138000", "sms-1")
    assert first == again and first.phone_masked == "138****8000"
    assert booking.reference in first.text and "420702" not in first.text
    with pytest.raises(NotFound):
        bookings.send_sms("YY000000000", "13800138000", "sms-2")
    listed = requests.get(fresh_platform.url + "/sandbox/sms", timeout=10, headers={
        "Authorization": f"Bearer {fresh_platform.token}"}).json()["messages"]
    assert len(listed) == 1
    log = fresh_platform.log_path.read_text(encoding="utf-8", errors="replace")
    assert "13800138000" not in log
    client.close()
