"""POST /v1/bookings/{reference}/sms over real HTTP: idempotent, masked, 404 when unknown."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from services.errors import NotFound
from tests.platform_helpers import booking_request, free_slot


def test_sms_is_sent_once_per_key_and_masked(fresh_platform: Any) -> None:
    bookings, item, hall, slot = free_slot(fresh_platform)
    booking = bookings.book(booking_request(item, hall, slot), "book-1")
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
