"""The result: booking reference, print outcome, reprint; then back to the attract screen."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from ..widgets import app

AUTO_RETURN_SECONDS = 30


class DoneScreen(Screen):
    reference = StringProperty("")
    details = StringProperty("")
    print_message = StringProperty("")
    printed = BooleanProperty(True)

    def on_pre_enter(self, *_args: Any) -> None:
        flow = app().session.flow
        if flow is None or flow.state.booking is None:
            return
        booking = flow.state.booking
        self.reference = booking.reference
        self.details = (f"{booking.item_name}\n{booking.hall_name}\n"
                        f"{booking.start:%Y年%m月%d日 %H:%M}-{booking.end:%H:%M}\n"
                        "请携带身份证原件，按时到达")
        self._show_outcome()
        self._auto = Clock.schedule_once(lambda _dt: self.finish(), AUTO_RETURN_SECONDS)

    def on_leave(self, *_args: Any) -> None:
        auto = getattr(self, "_auto", None)
        if auto is not None:
            auto.cancel()

    def _show_outcome(self) -> None:
        state = app().session.flow.state
        printed, sms = state.print_outcome, state.sms_outcome
        # Done when either the slip printed or the phone got it; else offer both ways again.
        self.printed = bool((printed and printed.printed) or (sms and sms.printed))
        self.print_message = "\n".join(o.message for o in (printed, sms) if o)

    def send_to_phone(self) -> None:
        flow = app().session.flow
        app().run_task(flow.send_to_phone, lambda _o: self._show_outcome(),
                       busy_text="正在发送到手机…")

    def reprint(self) -> None:
        flow = app().session.flow
        app().run_task(flow.print_slip, lambda _o: self._show_outcome(),
                       busy_text="正在重新打印…")

    def finish(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            app().reset_session()

    def wipe(self) -> None:
        self.reference = ""
        self.details = ""
        self.print_message = ""
