"""The glue between flows and the outbox: write kinds mapped to platform calls, and the flow-side port."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from offline_cache.crypto import PayloadCipher, load_or_create_key_file
from offline_cache.outbox import Outbox, OutboxError
from offline_cache.store import Store
from offline_cache.sync import Delivered, Refused, RetryLater, SendResult, SyncWorker
from services.bookings import BookingService
from services.client import PlatformClient
from services.errors import (BadResponse, Conflict, PlatformError, PlatformUnavailable,
                             Rejected, Unauthorized)
from services.schemas import (PROBLEM_ALREADY_CANCELLED, PROBLEM_SLOT_FULL, Booking,
                              BookingRequest, ProvisionalBookingRequest)

KIND_BOOKING = "booking.create"
KIND_BOOKING_CANCEL = "booking.cancel"
KIND_BOOKING_SMS = "booking.sms"
KIND_BOOKING_PROVISIONAL = "booking.provisional"
#: 409s that will not change by waiting: the write is refused for good.
FINAL_CONFLICTS = frozenset({PROBLEM_SLOT_FULL, PROBLEM_ALREADY_CANCELLED})
#: Said when a booking is queued and no provisional booking can be made instead.
QUEUED_MESSAGE = ("网络不稳定，预约申请已安全保存在本机，网络恢复后会自动提交。"
                  "请稍后再点“确认预约”查看结果；在确认成功之前，预约尚未生效。")
#: How long to wait before resending after a 429 or a 401 (token being rotated).
RATE_LIMIT_WAIT_S = 30.0

Handler = Callable[[dict[str, Any], str], dict[str, Any]]


def _book(bookings: BookingService) -> Handler:
    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        return bookings.book(BookingRequest.model_validate(payload), key).model_dump(mode="json")
    return send


def _sms(bookings: BookingService) -> Handler:
    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        return bookings.send_sms(str(payload["reference"]), str(payload["phone"]),
                                 key).model_dump(mode="json")
    return send


def _provisional(bookings: BookingService) -> Handler:
    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        request = ProvisionalBookingRequest.model_validate(payload)
        return bookings.book_provisional(request, key).model_dump(mode="json")
    return send


def _cancel(bookings: BookingService) -> Handler:
    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        return bookings.cancel(str(payload["reference"]), key).model_dump(mode="json")
    return send


class PlatformSender:
    """The outbox's sender port on Platform API v1: one attempt, errors mapped to results.

    New write kinds (applications, payments, ratings...) register a handler here, so every
    write the terminal makes travels the same durable path.
    """

    def __init__(self, client: PlatformClient) -> None:
        bookings = BookingService(client)
        self.handlers: dict[str, Handler] = {
            KIND_BOOKING: _book(bookings),
            KIND_BOOKING_CANCEL: _cancel(bookings),
            KIND_BOOKING_SMS: _sms(bookings),
            KIND_BOOKING_PROVISIONAL: _provisional(bookings),
        }

    def __call__(self, kind: str, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        handler = self.handlers.get(kind)
        if handler is None:
            return Refused(f"unknown write kind {kind!r}")
        try:
            return Delivered(handler(payload, idempotency_key))
        except (ValueError, KeyError, TypeError) as exc:
            # A payload that no longer validates (e.g. written by an older version).
            return Refused(f"payload invalid: {type(exc).__name__}")
        except PlatformUnavailable as exc:
            return RetryLater(_reason(exc))
        except BadResponse as exc:
            # The write may have been applied; the answer was garbled. Resend the same key.
            return RetryLater(_reason(exc))
        except Unauthorized as exc:
            # Credentials are being fixed by provisioning; nothing is wrong with the write.
            return RetryLater(_reason(exc), RATE_LIMIT_WAIT_S)
        except Conflict as exc:
            if exc.problem_type in FINAL_CONFLICTS:
                return Refused(_reason(exc), exc.status, exc.message)
            return RetryLater(_reason(exc))
        except PlatformError as exc:
            if exc.status == 429:
                return RetryLater(_reason(exc), RATE_LIMIT_WAIT_S)
            return Refused(_reason(exc), exc.status, exc.message)


def _reason(exc: PlatformError) -> str:
    # Status, problem type and title only: never the request, which holds personal data.
    return " ".join(str(p) for p in (exc.status, exc.problem_type, type(exc).__name__) if p)


@dataclass(frozen=True)
class Submitted:
    """Where a write stands after the resident's tap: delivered, queued, or refused."""

    item_id: int
    idempotency_key: str
    result: SendResult | None  # None: in flight elsewhere or waiting behind an older write


class WriteQueue:
    """The port flows use for writes: commit to the outbox, then try once at once."""

    def __init__(self, outbox: Outbox, worker: SyncWorker) -> None:
        self.outbox = outbox
        self.worker = worker

    def submit(self, kind: str, payload: dict[str, Any], *, resident: str,
               idempotency_key: str) -> Submitted:
        item = self.outbox.enqueue(kind, payload, resident=resident,
                                   idempotency_key=idempotency_key)
        if item.state == "sent" and item.response is not None:
            return Submitted(item.id, item.idempotency_key, Delivered(item.response))
        if item.state == "dead":
            return Submitted(item.id, item.idempotency_key, Refused(item.last_error or ""))
        result = self.worker.send_now(item.id)
        if result is None:
            self.worker.wake()
        elif isinstance(result, RetryLater):
            self.worker.wake()  # the worker takes it from here, on its backoff timer
        return Submitted(item.id, item.idempotency_key, result)

    def book(self, request: BookingRequest, key: str, *, resident: str) -> Booking:
        """Submit a booking: the platform's booking, or a typed error. PlatformUnavailable
        means it is queued (network down, or the worker is sending it right now); the same
        key is reused when the resident taps again, so nothing is booked twice."""
        sub = self.submit(KIND_BOOKING, request.model_dump(mode="json"), resident=resident,
                          idempotency_key=key)
        if isinstance(sub.result, Delivered):
            try:
                return Booking.model_validate(sub.result.response)
            except ValueError:
                raise BadResponse() from None
        if isinstance(sub.result, Refused):
            if sub.result.status == 409:
                raise Conflict(sub.result.message)
            raise Rejected(sub.result.message)
        raise PlatformUnavailable(QUEUED_MESSAGE)


def open_outbox(db_path: str | Path, key: str | None = None,
                key_file: str | Path | None = None) -> Outbox:
    """The terminal's outbox on `db_path`. The key comes from the config (`key`); for burn-in
    and development a key file beside the database is made once (never inside the database)."""
    if key is None:
        key = load_or_create_key_file(key_file or f"{db_path}.key")
    return Outbox(Store(db_path), PayloadCipher(key))


__all__ = ["KIND_BOOKING", "KIND_BOOKING_CANCEL", "KIND_BOOKING_PROVISIONAL", "KIND_BOOKING_SMS",
           "OutboxError", "PlatformSender", "Submitted",
           "WriteQueue", "open_outbox"]
