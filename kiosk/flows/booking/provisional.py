"""Bookings accepted while the platform is unreachable: local reference, slip and outcome."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from offline_cache.outbox import OutboxItem
from services.errors import Conflict, DuplicateBooking
from services.schemas import (CHINA_TZ, Booking, BookingRequest, Hall, HeldBooking, Item,
                              ProvisionalBookingRequest, ProvisionalOutcome, Slot)

from writes.domains.booking import KIND_BOOKING_PROVISIONAL, TERMINAL_MEMBER
from writes.queue import WriteQueue
from kiosk.ports import Clock, KeyFactory
from kiosk.texts import text, weekday


@dataclass(frozen=True)
class ProvisionalBooking:
    """A booking the terminal accepted offline. It carries the fields a slip prints, with the
    local reference in place of the platform's, and is never shown as confirmed."""

    reference: str  # the local reference, printed on the slip and named in the outcome SMS
    idempotency_key: str
    outbox_item: int
    item_name: str
    hall_name: str
    hall_address: str
    date: date
    start: datetime
    end: datetime
    resident_name_masked: str
    id_number_masked: str
    provisional: bool = True


@dataclass(frozen=True)
class Notice:
    """What the resident is told about an earlier provisional booking (from kiosk.texts)."""

    outbox_item: int
    title: str
    text: str
    decided: bool  # False while it is still waiting to be delivered
    reference: str = ""  # the platform's 预约号 once booked (confirmed or moved)


def _when(start: datetime, end: datetime) -> str:
    return text("provisional.when", start=start, end=end, weekday=weekday(start))


def _day_time(start: datetime) -> str:
    t = start.astimezone(CHINA_TZ)
    return text("booking.double.when", month=t.month, day=t.day, hour=t.hour, minute=t.minute)


def double_text(held: HeldBooking | None) -> str:
    """A second booking of the item that day, refused: which booking the resident holds, and
    what to do (12345: the terminal has no service to change or cancel a booking yet)."""
    if held is None:  # the platform did not say which (or said it garbled)
        return text("booking.double.unknown")
    return text("booking.double", when=_day_time(held.start), hall=held.hall_name,
                item=held.item_name, reference=held.reference)


def conflict_text(exc: Conflict) -> str:
    """What the resident reads when a booking is refused with a 409."""
    return double_text(exc.held) if isinstance(exc, DuplicateBooking) else exc.message


class HeldOffline(Conflict):
    """This terminal already holds, undelivered, a provisional booking of the resident for
    the same item on the same day; its message says which."""


def describe(local_reference: str, outcome: ProvisionalOutcome) -> Notice:
    """The platform's decision as the resident reads it on screen."""
    b = outcome.booking
    if b is None and outcome.conflict is not None:  # the resident held that day already
        return Notice(0, text("provisional.refused.title"),
                      text("provisional.double.text", local=local_reference,
                           reason=double_text(outcome.conflict)), True)
    if b is None:
        return Notice(0, text("provisional.refused.title"),
                      text("provisional.refused.text", local=local_reference,
                           reason=outcome.reason), True)
    where = text("provisional.where", item=b.item_name, hall=b.hall_name,
                 when=_when(b.start, b.end), reference=b.reference)
    if outcome.outcome == "moved":
        return Notice(0, text("provisional.moved.title"),
                      text("provisional.moved.text", local=local_reference, where=where), True,
                      b.reference)
    return Notice(0, text("provisional.confirmed.title"),
                  text("provisional.confirmed.text", local=local_reference, where=where), True,
                  b.reference)


def notice_for(item: OutboxItem) -> Notice:
    """Where one provisional write stands: decided (confirmed, moved, refused) or waiting."""
    local = str((item.payload or {}).get("local_reference", ""))
    if item.state == "sent" and item.response is not None:
        try:
            outcome = ProvisionalOutcome.model_validate(item.response)
        except ValueError:
            return Notice(item.id, text("provisional.unreadable.title"),
                          text("provisional.unreadable.text", local=local), True)
        n = describe(outcome.local_reference or local, outcome)
        return Notice(item.id, n.title, n.text, True, n.reference)
    if item.state == "dead":
        return Notice(item.id, text("provisional.dead.title"),
                      text("provisional.dead.text", local=local), True)
    return Notice(item.id, text("provisional.waiting.title"),
                  text("provisional.waiting.text", local=local), False)


class OfflineBookings:
    """Turns a booking the platform could not answer into a provisional one (issue 4)."""

    def __init__(self, writes: WriteQueue, *, terminal_id: str, clock: Clock,
                 new_key: KeyFactory) -> None:
        self._writes = writes
        self._terminal = re.sub(r"[^A-Z0-9]", "", terminal_id.upper())[:12] or "T"
        self._clock = clock
        self._new_key = new_key

    def next_reference(self) -> str:
        """L<yymmdd>-<nnn>-<terminal>: unique per terminal and day, short enough to read out."""
        now = self._clock()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        n = self._writes.outbox.count_since(KIND_BOOKING_PROVISIONAL, midnight.timestamp()) + 1
        return f"L{now:%y%m%d}-{n:03d}-{self._terminal}"

    def accept(self, request: BookingRequest, *, item: Item, hall: Hall, slot: Slot,
               supersedes_key: str, name_masked: str, id_masked: str) -> ProvisionalBooking:
        """Queue the provisional write (after the ordinary one it supersedes) and try it once."""
        local = self.next_reference()
        key = self._new_key()
        payload = ProvisionalBookingRequest(
            booking=request, local_reference=local, terminal_id=self._terminal,
            made_at=self._clock(), supersedes_key=supersedes_key).model_dump(mode="json")
        # What the slip shows, kept with the write for the terminal only (not sent): it names
        # this booking when the resident tries a second one of the day (`refuse_double`).
        payload[TERMINAL_MEMBER] = {"item_name": item.name, "hall_name": hall.name,
                                    "start": slot.start.isoformat(),
                                    "end": slot.end.isoformat()}
        sub = self._writes.submit(KIND_BOOKING_PROVISIONAL, payload,
                                  resident=request.resident.id_number, idempotency_key=key)
        return ProvisionalBooking(
            reference=local, idempotency_key=sub.idempotency_key, outbox_item=sub.item_id,
            item_name=item.name, hall_name=hall.name, hall_address=hall.address,
            date=slot.start.date(), start=slot.start, end=slot.end,
            resident_name_masked=name_masked, id_number_masked=id_masked)

    def refuse_double(self, request: BookingRequest, start: datetime, key: str) -> None:
        """Raise HeldOffline when this terminal holds an undelivered provisional booking of
        the resident for the item on the day of `start` (other than the one superseding `key`):
        the platform has not seen it, so only the terminal can refuse the second. A delivered
        one the platform judges itself (409 duplicate-booking, or a refused outcome)."""
        day = start.astimezone(CHINA_TZ).date()
        # Waiting provisional writes are never marked shown (only decided ones are).
        for item in self._writes.outbox.unshown(request.resident.id_number,
                                                (KIND_BOOKING_PROVISIONAL,)):
            w = _waiting(item)
            if w is None or w.request.supersedes_key == key:
                continue
            booked = w.request.booking
            if booked.item_id == request.item_id and w.start.date() == day \
                    and booked.resident.id_number == request.resident.id_number:
                raise HeldOffline(text("provisional.double.held", when=_day_time(w.start),
                                       hall=w.hall_name, item=w.item_name,
                                       local=w.request.local_reference))

    def outcome(self, booking: ProvisionalBooking) -> Notice:
        """Where it stands now (the done screen updates while the resident is still there)."""
        return notice_for(self._writes.outbox.get(booking.outbox_item))

    def booked(self, booking: ProvisionalBooking) -> Booking | None:
        """The platform's booking once it confirmed or moved this one; None before, or refused."""
        item = self._writes.outbox.get(booking.outbox_item)
        if item.state != "sent" or item.response is None:
            return None
        try:
            return ProvisionalOutcome.model_validate(item.response).booking
        except ValueError:
            return None

    def notices(self, resident: str) -> list[Notice]:
        """The resident's earlier provisional bookings not yet shown to them."""
        items = self._writes.outbox.unshown(resident, (KIND_BOOKING_PROVISIONAL,))
        return [notice_for(i) for i in items]

    def mark_shown(self, notices: list[Notice]) -> None:
        """Decided outcomes are shown once; waiting ones are shown again next time."""
        self._writes.outbox.mark_shown([n.outbox_item for n in notices if n.decided])


@dataclass(frozen=True)
class _Waiting:
    """A provisional write not yet delivered and what its slip showed (start in China time)."""

    request: ProvisionalBookingRequest
    start: datetime
    hall_name: str
    item_name: str


def _waiting(item: OutboxItem) -> _Waiting | None:
    """None when delivered, dead or unreadable (a write from before the `shown` member
    cannot name its day)."""
    if item.state not in ("pending", "in_flight") or not item.payload:
        return None
    payload = dict(item.payload)
    shown = payload.pop(TERMINAL_MEMBER, None)
    try:
        return _Waiting(ProvisionalBookingRequest.model_validate(payload),
                        datetime.fromisoformat(str(shown["start"])).astimezone(CHINA_TZ),
                        str(shown["hall_name"]), str(shown["item_name"]))
    except (ValueError, KeyError, TypeError):
        return None
