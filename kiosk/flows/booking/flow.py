"""BookingFlow: an identified resident books a hall appointment and gets a printed slip."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from collections.abc import Callable
from datetime import date, timedelta

from offline_cache.sync import Delivered, Refused
from services.errors import Conflict, PlatformError, PlatformUnavailable, Rejected
from services.privacy import mask_id_number, mask_name, mask_phone
from services.schemas import Booking, BookingRequest, Hall, Item, ResidentIn, Slot

from writes.domains.booking import KIND_BOOKING_SMS, submit_booking
from writes.queue import WriteQueue
from kiosk.texts import text
from kiosk.flows.errors import FlowError
from kiosk.ports import (Bookings, Catalogue, Clock, KeyFactory, PdfPrinter, Resident,
                               SlipRenderer)
from .provisional import Notice, OfflineBookings, ProvisionalBooking, conflict_text
from .slip_printing import PrintOutcome, SlipPrinting

BOOKING_DAYS = 14
PHONE_RE = re.compile(r"^1\d{10}$")

class Step(enum.Enum):
    """Screens of the flow after identification (at most three before the slip)."""

    CHOOSE_ITEM = "choose_item"
    CHOOSE_SLOT = "choose_slot"
    CONFIRM = "confirm"
    DONE = "done"


@dataclass
class BookingState:
    item: Item | None = None
    halls: list[Hall] = field(default_factory=list)
    hall: Hall | None = None
    day: date | None = None
    slots: list[Slot] = field(default_factory=list)
    slot: Slot | None = None
    phone: str = ""
    booking: Booking | None = None
    print_outcome: PrintOutcome | None = None
    sms_outcome: PrintOutcome | None = None
    slots_age_s: float | None = None  # set when availability came from the offline cache
    provisional: ProvisionalBooking | None = None  # accepted offline, the platform decides


class BookingFlow:
    """Steps, validation and side effects of booking; the screens only render and forward."""

    def __init__(self, *, identity: Resident, catalogue: Catalogue, bookings: Bookings,
                 printer: PdfPrinter, render_slip: SlipRenderer, clock: Clock,
                 new_key: KeyFactory = lambda: str(uuid.uuid4()),
                 print_timeout: float = 60.0, writes: WriteQueue | None = None,
                 printer_ready: Callable[[], bool] = lambda: True,
                 offline: OfflineBookings | None = None) -> None:
        self._identity: Resident | None = identity
        self._catalogue = catalogue
        self._bookings = bookings
        self._slips = SlipPrinting(printer, render_slip, print_timeout)
        self._clock = clock
        self._new_key = new_key
        # With an outbox the booking is committed locally before it is sent (issue 4); without
        # one (older wiring) it is sent directly with the same idempotency key.
        self._writes = writes
        self._idempotency_key: str | None = None
        # With an outbox, a booking the platform cannot answer now becomes provisional.
        self._offline = offline
        # When the printer cannot print, the slip goes to the resident's phone instead.
        self._printer_ready = printer_ready
        self._sms_key: str | None = None
        self.step = Step.CHOOSE_ITEM
        self.state = BookingState(phone=identity.phone or "")

    # -- what the screens show -------------------------------------------------------------
    @property
    def resident_name_masked(self) -> str:
        return mask_name(self._identity.name) if self._identity else ""

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self._identity.id_number) if self._identity else ""

    @property
    def phone_masked(self) -> str:
        phone = self.state.phone
        return mask_phone(phone) if PHONE_RE.match(phone) else phone

    def booking_days(self) -> list[date]:
        today = self._clock().date()
        return [today + timedelta(days=i) for i in range(BOOKING_DAYS)]

    # -- step 1: the item -----------------------------------------------------------------
    def search(self, q: str = "", *, department: str | None = None,
               life_event: str | None = None, limit: int = 20) -> list[Item]:
        result = self._catalogue.search_items(q, department=department, life_event=life_event,
                                              bookable=True, limit=limit)
        return result.items

    def choose_item(self, item: Item) -> None:
        if not item.bookable:
            raise FlowError(text("booking.not_bookable", item=item.name))
        halls = self._catalogue.halls(item.id)
        if not halls:
            raise FlowError(text("booking.no_halls", item=item.name))
        self.state.item = item
        self.state.halls = halls
        self.state.hall = None
        self.state.day = None
        self.state.slots = []
        self.state.slot = None
        self.step = Step.CHOOSE_SLOT

    # -- step 2: hall, date, slot -----------------------------------------------------------
    def choose_hall(self, hall: Hall) -> None:
        self._require(Step.CHOOSE_SLOT)
        self.state.hall = hall
        self.state.slot = None
        if self.state.day is not None:
            self.load_slots()

    def choose_day(self, day: date) -> None:
        self._require(Step.CHOOSE_SLOT)
        if day not in self.booking_days():
            raise FlowError(text("booking.day_out_of_range", days=BOOKING_DAYS))
        self.state.day = day
        self.state.slot = None
        if self.state.hall is not None:
            self.load_slots()

    def load_slots(self) -> list[Slot]:
        st = self.state
        if st.item is None or st.hall is None or st.day is None:
            raise FlowError(text("booking.choose_hall_and_day"))
        now = self._clock()
        slots = self._bookings.slots(st.item.id, st.hall.id, st.day)
        st.slots_age_s = getattr(self._bookings, "last_age_s", None)
        st.slots = [s for s in slots if s.start.timestamp() > now.timestamp()]
        return st.slots

    def choose_slot(self, slot: Slot) -> None:
        self._require(Step.CHOOSE_SLOT)
        if slot.remaining <= 0:
            raise FlowError(text("booking.slot_full"))
        self.state.slot = slot
        # One key per confirmation attempt, made before the first try: a retry after a timeout
        # or a double tap replays the same booking instead of taking a second seat.
        self._idempotency_key = self._new_key()
        self.step = Step.CONFIRM

    # -- step 3: confirm, book, print -------------------------------------------------------
    def set_phone(self, phone: str) -> None:
        self.state.phone = "".join(ch for ch in phone if ch.isdigit())[:11]

    def confirm(self) -> Booking | ProvisionalBooking:
        """Book on the platform, then print the slip. Safe to call again after a failure.
        Offline (with `offline` wired) the booking is accepted provisionally instead."""
        self._require(Step.CONFIRM)
        st = self.state
        assert st.item and st.hall and st.slot and self._identity and self._idempotency_key
        if not PHONE_RE.match(st.phone):
            raise FlowError(text("booking.phone_needed"))
        request = BookingRequest(
            item_id=st.item.id, hall_id=st.hall.id, slot_id=st.slot.id,
            resident=ResidentIn(id_number=self._identity.id_number,
                                name=self._identity.name, phone=st.phone))
        try:
            booking = self._book(request, self._idempotency_key)
        except PlatformUnavailable as exc:
            if self._offline is None or self._writes is None:
                raise FlowError(exc.message) from exc
            return self._accept_provisionally(request)
        except Conflict as exc:
            # The slot filled up, or the resident holds the item that day: back to the slots.
            self.step = Step.CHOOSE_SLOT
            st.slot = None
            self._refresh_slots_quietly()
            raise FlowError(conflict_text(exc)) from exc  # a double booking says which
        except PlatformError as exc:
            raise FlowError(exc.message) from exc
        st.booking = booking
        self.step = Step.DONE
        if self.slip_by_phone:
            self.send_to_phone()
        else:
            self.print_slip()
        return booking

    def _accept_provisionally(self, request: BookingRequest) -> ProvisionalBooking:
        """The platform could not answer: accept against the cached availability, print a
        slip that says "provisional", and let the platform decide when the write arrives."""
        st = self.state
        assert self._offline and st.item and st.hall and st.slot and self._idempotency_key
        st.provisional = self._offline.accept(
            request, item=st.item, hall=st.hall, slot=st.slot,
            supersedes_key=self._idempotency_key, name_masked=self.resident_name_masked,
            id_masked=self.id_number_masked)
        self.step = Step.DONE
        if self.slip_by_phone:  # no SMS of a provisional: the platform texts the outcome
            st.print_outcome = PrintOutcome(False, text("print.paused_provisional"))
        else:
            self.print_slip()
        return st.provisional

    def provisional_outcome(self) -> Any:
        """Where the provisional booking stands now (None when there is none). Once booked,
        the real booking is adopted: a reprint gives the confirmed slip."""
        st = self.state
        if self._offline is None or st.provisional is None:
            return None
        notice = self._offline.outcome(st.provisional)
        if notice.reference and st.booking is None:
            st.booking = self._offline.booked(st.provisional)
            st.print_outcome = None
        return notice

    def outcome_shown(self, notice: Notice) -> None:
        """The resident saw the platform's decision on screen: it is not told again later."""
        if self._offline is not None:
            self._offline.mark_shown([notice])

    @property
    def slip_by_phone(self) -> bool:
        """True when the printer is down: the confirm screen says the slip goes by SMS."""
        return not self._printer_ready()

    def send_to_phone(self) -> PrintOutcome:
        """Send the booking to the resident's phone; a second tap sends once (same key)."""
        self._require(Step.DONE)
        booking, phone = self.state.booking, self.state.phone
        if booking is None:  # provisional: the platform sends the outcome itself
            return PrintOutcome(False, text("booking.sms.provisional"))
        assert self._identity is not None
        self._sms_key = self._sms_key or self._new_key()
        payload = {"reference": booking.reference, "phone": phone}
        try:
            if self._writes is None:
                self._bookings.send_sms(booking.reference, phone, self._sms_key)
                sent = True
            else:
                sub = self._writes.submit(KIND_BOOKING_SMS, payload, idempotency_key=self._sms_key,
                                          resident=self._identity.id_number)
                if isinstance(sub.result, Refused):
                    raise Rejected(sub.result.message or text("booking.sms.refused"))
                sent = isinstance(sub.result, Delivered)
        except PlatformError as exc:
            outcome = PrintOutcome(False, text("booking.sms.failed", reason=exc.message))
        else:
            outcome = PrintOutcome(True, text("booking.sms.sent", phone=self.phone_masked)
                                   if sent else text("booking.sms.later"))
        self.state.sms_outcome = outcome
        return outcome

    def _book(self, request: BookingRequest, key: str) -> Booking:
        if self._writes is None:
            return self._bookings.book(request, key)
        assert self._identity is not None and self.state.slot is not None
        if self._offline is not None:  # held here undelivered: only this terminal can tell
            self._offline.refuse_double(request, self.state.slot.start, key)
        try:
            return submit_booking(self._writes, request, key, resident=self._identity.id_number)
        except PlatformUnavailable:
            raise PlatformUnavailable(text("booking.queued")) from None

    def print_slip(self) -> PrintOutcome:
        """Print the slip (provisional when accepted offline); a double tap prints once."""
        self._require(Step.DONE)
        slip = self.state.booking or self.state.provisional
        assert slip is not None
        outcome = self._slips.print(slip)
        if not outcome.busy:  # a second tap must not overwrite the running job's outcome
            self.state.print_outcome = outcome
        return outcome

    # -- navigation and privacy ------------------------------------------------------------
    def back(self) -> Step:
        if self.step is Step.CONFIRM:
            self.step = Step.CHOOSE_SLOT
        elif self.step is Step.CHOOSE_SLOT:
            self.step = Step.CHOOSE_ITEM
        return self.step

    def wipe(self) -> None:
        """Forget everything of this resident (the session ends)."""
        self._identity = None
        self._idempotency_key = None
        self.state = BookingState()

    def _require(self, step: Step) -> None:
        if self.step is not step:
            raise FlowError(text("booking.step_expired"))

    def _refresh_slots_quietly(self) -> None:
        try:
            self.load_slots()
        except (PlatformError, FlowError):
            self.state.slots = []

