"""The result: booking reference (or a provisional one made offline), print outcome, reprint."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.screens.base import TaskScreen
from kiosk.texts import text

AUTO_RETURN_SECONDS = 30


#: How often the screen looks whether the platform has decided on a provisional booking.
OUTCOME_POLL_SECONDS = 2.0


class DoneScreen(TaskScreen):
    title = StringProperty(text("booking.done.title"))
    reference_label = StringProperty(text("booking.done.reference"))
    provisional = BooleanProperty(False)
    reprint_text = StringProperty(text("booking.done.reprint"))
    reference = StringProperty("")
    details = StringProperty("")
    print_message = StringProperty("")
    printed = BooleanProperty(True)

    def on_pre_enter(self, *_args: Any) -> None:
        flow = self.flow
        if flow is None:
            return
        booking = flow.state.booking or flow.state.provisional
        if booking is None:
            return
        self.provisional = flow.state.booking is None
        self.reprint_text = text("booking.done.reprint")
        self.title = text("booking.done.title_provisional" if self.provisional
                          else "booking.done.title")
        self.reference_label = text("booking.done.reference_provisional" if self.provisional
                                    else "booking.done.reference")
        self.reference = booking.reference
        when = text("booking.done.when", item=booking.item_name, hall=booking.hall_name,
                    start=booking.start, end=booking.end)
        self.details = when + (
            text("booking.done.provisional", phone=flow.phone_masked) if self.provisional
            else text("booking.done.bring_id"))
        self._show_outcome()
        self._auto = Clock.schedule_once(lambda _dt: self.finish(), AUTO_RETURN_SECONDS)
        if self.provisional:
            self._poll = Clock.schedule_interval(lambda _dt: self._check_decided(),
                                                 OUTCOME_POLL_SECONDS)

    def _check_decided(self) -> None:
        """The network may come back while the resident is still here: show the decision."""
        flow = self.flow
        notice = flow.provisional_outcome() if flow is not None else None
        if notice is None or not notice.decided:
            return
        self._stop_polling()
        self.title = notice.title
        self.details = notice.text
        if notice.reference:  # booked: the platform's 预约号 is now the one to keep
            self.provisional = False
            self.reference_label = text("booking.done.reference")
            self.reference = notice.reference
            # Offer the confirmed slip (or the SMS) in place of the temporary one.
            self.printed = False
            self.reprint_text = text("booking.done.print_confirmed")
            self.print_message = text("booking.done.confirmed")
        flow.outcome_shown(notice)

    def on_leave(self, *_args: Any) -> None:
        auto = getattr(self, "_auto", None)
        if auto is not None:
            auto.cancel()
        self._stop_polling()

    def _stop_polling(self) -> None:
        poll = getattr(self, "_poll", None)
        if poll is not None:
            poll.cancel()
            self._poll = None

    def _show_outcome(self) -> None:
        state = self.flow.state
        printed, sms = state.print_outcome, state.sms_outcome
        # Done when either the slip printed or the phone got it; else offer both ways again.
        self.printed = bool((printed and printed.printed) or (sms and sms.printed))
        self.print_message = "\n".join(o.message for o in (printed, sms) if o)

    def send_to_phone(self) -> None:
        flow = self.flow
        self.ctx.ui.run_task(flow.send_to_phone, lambda _o: self._show_outcome(),
                       busy_text=text("booking.done.busy_sms"))

    def reprint(self) -> None:
        flow = self.flow
        self.ctx.ui.run_task(flow.print_slip, lambda _o: self._show_outcome(),
                       busy_text=text("booking.done.busy_reprint"))

    def finish(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.ctx.nav.reset()

    def wipe(self) -> None:
        self._stop_polling()
        self.provisional = False
        self.reference = ""
        self.details = ""
        self.print_message = ""
