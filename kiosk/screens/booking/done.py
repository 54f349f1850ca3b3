"""The result: booking reference (or a provisional one made offline), print outcome, reprint."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.screens.base import TaskScreen

AUTO_RETURN_SECONDS = 30


#: How often the screen looks whether the platform has decided on a provisional booking.
OUTCOME_POLL_SECONDS = 2.0


class DoneScreen(TaskScreen):
    title = StringProperty("预约成功")
    reference_label = StringProperty("预约号")
    provisional = BooleanProperty(False)
    reprint_text = StringProperty("重新打印")
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
        self.reprint_text = "重新打印"
        self.title = "已受理，待平台确认" if self.provisional else "预约成功"
        self.reference_label = "临时编号" if self.provisional else "预约号"
        self.reference = booking.reference
        when = (f"{booking.item_name}\n{booking.hall_name}\n"
                f"{booking.start:%Y年%m月%d日 %H:%M}-{booking.end:%H:%M}\n")
        self.details = when + (
            f"网络暂时不通，预约尚未生效。网络恢复后由平台确认原时段，或改约到最近的空闲时段，"
            f"结果以短信发送到 {flow.phone_masked}。" if self.provisional
            else "请携带身份证原件，按时到达")
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
            self.reference_label = "预约号"
            self.reference = notice.reference
            self.printed = False  # offer the confirmed slip (or the SMS) in place of the temporary one
            self.reprint_text = "打印正式凭证"
            self.print_message = "平台已确认，临时凭证作废。请点“打印正式凭证”，或发送到手机。"
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
                       busy_text="正在发送到手机…")

    def reprint(self) -> None:
        flow = self.flow
        self.ctx.ui.run_task(flow.print_slip, lambda _o: self._show_outcome(),
                       busy_text="正在重新打印…")

    def finish(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.ctx.nav.reset()

    def wipe(self) -> None:
        self._stop_polling()
        self.provisional = False
        self.reference = ""
        self.details = ""
        self.print_message = ""
