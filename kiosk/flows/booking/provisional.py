"""Bookings accepted while the platform is unreachable: local reference, provisional slip, and their outcome."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from offline_cache.outbox import OutboxItem
from services.schemas import (Booking, BookingRequest, Hall, Item, ProvisionalBookingRequest,
                              ProvisionalOutcome, Slot)

from writes.domains.booking import KIND_BOOKING_PROVISIONAL
from writes.queue import WriteQueue
from kiosk.flows.ports import Clock, KeyFactory

WEEKDAYS = "一二三四五六日"


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
    """What the resident is told about an earlier provisional booking (plain Chinese)."""

    outbox_item: int
    title: str
    text: str
    decided: bool  # False while it is still waiting to be delivered
    reference: str = ""  # the platform's 预约号 once booked (confirmed or moved)


def _when(start: datetime, end: datetime) -> str:
    return f"{start:%m月%d日} 周{WEEKDAYS[start.weekday()]} {start:%H:%M}-{end:%H:%M}"


def describe(local_reference: str, outcome: ProvisionalOutcome) -> Notice:
    """The platform's decision as the resident reads it on screen."""
    b = outcome.booking
    if b is None:
        return Notice(0, "离线预约未成功",
                      f"临时编号 {local_reference} 的预约未能成功：{outcome.reason}"
                      "请重新预约。", True)
    where = f"{b.item_name}\n{b.hall_name}\n{_when(b.start, b.end)}\n预约号 {b.reference}"
    if outcome.outcome == "moved":
        return Notice(0, "离线预约已改约",
                      f"临时编号 {local_reference}：原选时段已约满，已改约到最近的空闲时段：\n"
                      f"{where}", True, b.reference)
    return Notice(0, "离线预约已确认", f"临时编号 {local_reference} 已确认：\n{where}", True,
                  b.reference)


def notice_for(item: OutboxItem) -> Notice:
    """Where one provisional write stands: decided (confirmed, moved, refused) or waiting."""
    local = str((item.payload or {}).get("local_reference", ""))
    if item.state == "sent" and item.response is not None:
        try:
            outcome = ProvisionalOutcome.model_validate(item.response)
        except ValueError:
            return Notice(item.id, "离线预约", f"临时编号 {local} 已提交，结果请以短信为准。", True)
        n = describe(outcome.local_reference or local, outcome)
        return Notice(item.id, n.title, n.text, True, n.reference)
    if item.state == "dead":
        return Notice(item.id, "离线预约未能提交",
                      f"临时编号 {local} 的预约未能提交到平台，预约没有生效。请重新预约，"
                      "或请工作人员协助。", True)
    return Notice(item.id, "离线预约仍在提交",
                  f"临时编号 {local} 的预约还在等待网络，确认后会短信通知您。", False)


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
        sub = self._writes.submit(KIND_BOOKING_PROVISIONAL, payload,
                                  resident=request.resident.id_number, idempotency_key=key)
        return ProvisionalBooking(
            reference=local, idempotency_key=sub.idempotency_key, outbox_item=sub.item_id,
            item_name=item.name, hall_name=hall.name, hall_address=hall.address,
            date=slot.start.date(), start=slot.start, end=slot.end,
            resident_name_masked=name_masked, id_number_masked=id_masked)

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

