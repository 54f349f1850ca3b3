"""Booking's write kinds (create, cancel, SMS, provisional) and the booking answer mapped once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.api_constants import (PROBLEM_ALREADY_CANCELLED, PROBLEM_DUPLICATE_BOOKING,
                                    PROBLEM_SLOT_FULL)
from services.errors import BadResponse, Conflict, DuplicateBooking, PlatformUnavailable, Rejected

from ..kinds import Handler, WriteKind

# The registry reads KINDS before the terminal's first frame; the platform client (requests),
# the models (pydantic) and the sync worker are needed only when a write is sent (issue 11).
if TYPE_CHECKING:
    from services.schemas import Booking, BookingRequest
    from services.bookings import BookingService
    from services.client import PlatformClient

    from ..queue import WriteQueue


def _service(client: PlatformClient) -> BookingService:
    from services.bookings import BookingService
    return BookingService(client)

KIND_BOOKING = "booking.create"
KIND_BOOKING_CANCEL = "booking.cancel"
KIND_BOOKING_SMS = "booking.sms"
KIND_BOOKING_PROVISIONAL = "booking.provisional"
#: 409s that will not change by waiting: the write is refused for good. A double booking
#: (duplicate-booking) is one: only the resident's call to 12345 would free the day.
FINAL_CONFLICTS = frozenset({PROBLEM_SLOT_FULL, PROBLEM_ALREADY_CANCELLED,
                             PROBLEM_DUPLICATE_BOOKING})
#: The terminal's own member of a provisional write's outbox payload (what the slip showed:
#: item, hall, start, end); it is not part of the platform request and is left out of it.
TERMINAL_MEMBER = "shown"


def _book(client: PlatformClient) -> Handler:
    bookings = _service(client)

    from services.schemas import BookingRequest

    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        return bookings.book(BookingRequest.model_validate(payload), key).model_dump(mode="json")
    return send


def _sms(client: PlatformClient) -> Handler:
    bookings = _service(client)

    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        return bookings.send_sms(str(payload["reference"]), str(payload["phone"]),
                                 key).model_dump(mode="json")
    return send


def _provisional(client: PlatformClient) -> Handler:
    bookings = _service(client)
    from services.schemas import ProvisionalBookingRequest

    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        request = ProvisionalBookingRequest.model_validate(
            {k: v for k, v in payload.items() if k != TERMINAL_MEMBER})
        return bookings.book_provisional(request, key).model_dump(mode="json")
    return send


def _cancel(client: PlatformClient) -> Handler:
    bookings = _service(client)

    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        return bookings.cancel(str(payload["reference"]), key).model_dump(mode="json")
    return send


KINDS: tuple[WriteKind, ...] = (
    WriteKind(KIND_BOOKING, _book, FINAL_CONFLICTS),
    WriteKind(KIND_BOOKING_CANCEL, _cancel, FINAL_CONFLICTS),
    WriteKind(KIND_BOOKING_SMS, _sms, FINAL_CONFLICTS),
    WriteKind(KIND_BOOKING_PROVISIONAL, _provisional, FINAL_CONFLICTS),
)


def submit_booking(writes: WriteQueue, request: BookingRequest, key: str, *,
                   resident: str) -> Booking:
    """Submit a booking: the platform's booking, or a typed error. PlatformUnavailable
    means it is queued (network down, or the worker is sending it right now); the same
    key is reused when the resident taps again, so nothing is booked twice."""
    sub = writes.submit(KIND_BOOKING, request.model_dump(mode="json"), resident=resident,
                        idempotency_key=key)
    from offline_cache.sync import Delivered, Refused

    from services.schemas import Booking
    if isinstance(sub.result, Delivered):
        try:
            return Booking.model_validate(sub.result.response)
        except ValueError:
            raise BadResponse() from None
    if isinstance(sub.result, Refused):
        problem = sub.result.problem or {}
        if sub.result.status == 409:
            double = problem.get("type") == PROBLEM_DUPLICATE_BOOKING
            raise (DuplicateBooking if double else Conflict)(
                sub.result.message, problem_type=problem.get("type"), status=409,
                problem=problem)
        raise Rejected(sub.result.message)
    raise PlatformUnavailable("queued")
