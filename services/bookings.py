"""BookingService: slots, booking, looking up and cancelling hall appointments."""

from __future__ import annotations

from datetime import date
from urllib.parse import quote

from .client import PlatformClient
from .schemas import (API_PREFIX, Booking, BookingRequest, ProvisionalBookingRequest,
                      ProvisionalOutcome, Slot, SlotList, SmsReceipt, SmsRequest)


class BookingService:
    """Appointments at a hall window. Writes carry the caller's idempotency key, so the
    outbox can resend them after a failure without booking twice."""

    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    def slots(self, item_id: str, hall_id: str, day: date) -> list[Slot]:
        """Slots of `hall_id` for `item_id` on `day`; empty when none are open."""
        path = f"{API_PREFIX}/items/{quote(item_id, safe='')}/slots"
        return self._client.get(path, {"hall": hall_id, "date": day.isoformat()},
                                SlotList).slots

    def book(self, request: BookingRequest, idempotency_key: str) -> Booking:
        return self._client.post(f"{API_PREFIX}/bookings", request, Booking, idempotency_key)

    def book_provisional(self, request: ProvisionalBookingRequest,
                         idempotency_key: str) -> ProvisionalOutcome:
        """Deliver a booking accepted offline; the platform confirms, moves or refuses it."""
        return self._client.post(f"{API_PREFIX}/bookings/provisional", request,
                                 ProvisionalOutcome, idempotency_key)

    def get(self, reference: str) -> Booking:
        return self._client.get(f"{API_PREFIX}/bookings/{quote(reference, safe='')}", None,
                                Booking)

    def cancel(self, reference: str, idempotency_key: str) -> Booking:
        return self._client.post(f"{API_PREFIX}/bookings/{quote(reference, safe='')}/cancel",
                                 None, Booking, idempotency_key)

    def send_sms(self, reference: str, phone: str, idempotency_key: str) -> SmsReceipt:
        """Send the booking's details to the resident's phone (the slip could not print)."""
        return self._client.post(f"{API_PREFIX}/bookings/{quote(reference, safe='')}/sms",
                                 SmsRequest(phone=phone), SmsReceipt, idempotency_key)
