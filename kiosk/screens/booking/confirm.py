"""Step 3 of 3: check the details (masked), give a phone number on a keypad, confirm."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.flows.booking.flow import Step
from kiosk.screens.base import TaskScreen
from kiosk.texts import weekday
from kiosk.widgets import KButton


class ConfirmScreen(TaskScreen):
    summary = StringProperty("")
    phone_text = StringProperty("")
    editing_phone = StringProperty("")  # "1" while the keypad is shown
    confirm_text = StringProperty("确认预约并打印凭证")

    def on_kv_post(self, _base: Any) -> None:
        pad = self.ids.keypad
        for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "清空", "0", "删除"):
            button = KButton(text=key, kind="plain", payload=key)
            button.bind(on_release=lambda b: self.press(b.payload))
            pad.add_widget(button)

    def on_pre_enter(self, *_args: Any) -> None:
        flow = self.flow
        if flow is None or flow.state.slot is None:
            return
        st = flow.state
        slot = st.slot
        self.summary = "\n".join((
            f"姓名：{flow.resident_name_masked}",
            f"证件：{flow.id_number_masked}",
            f"事项：{st.item.name}",
            f"大厅：{st.hall.name}",
            f"地址：{st.hall.address}",
            f"时间：{slot.start:%Y年%m月%d日} {weekday(slot.start)} "
            f"{slot.start:%H:%M}-{slot.end:%H:%M}",
        ))
        self.editing_phone = "" if st.phone else "1"
        self.confirm_text = ("确认预约（打印机暂停，凭证发到手机）" if flow.slip_by_phone
                             else "确认预约并打印凭证")
        self._show_phone()

    def _show_phone(self) -> None:
        flow = self.flow
        phone = flow.state.phone
        if self.editing_phone:
            self.phone_text = phone or "请输入手机号"
        else:
            self.phone_text = flow.phone_masked

    def edit_phone(self) -> None:
        self.flow.set_phone("")
        self.editing_phone = "1"
        self._show_phone()

    def press(self, key: str) -> None:
        flow = self.flow
        phone = flow.state.phone
        if key == "删除":
            phone = phone[:-1]
        elif key == "清空":
            phone = ""
        else:
            phone += key
        flow.set_phone(phone)
        self._show_phone()

    def confirm(self) -> None:
        flow = self.flow
        self.ctx.ui.run_task(flow.confirm, self._booked, on_error=self._failed,
                       busy_text="正在提交预约并打印凭证，请稍候…")

    def _booked(self, _booking: Any) -> None:
        self.ctx.nav.show()

    def _failed(self, message: str) -> None:
        flow = self.flow
        self.ctx.ui.message(message)
        if flow is not None and flow.step is Step.CHOOSE_SLOT:
            self.ctx.nav.show()

    def back(self) -> None:
        flow = self.flow
        if flow is not None:
            flow.back()
        self.ctx.nav.show()

    def wipe(self) -> None:
        self.summary = ""
        self.phone_text = ""
        self.editing_phone = ""
