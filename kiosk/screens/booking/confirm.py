"""Step 3 of 3: check the details (masked), give a phone number on a keypad, confirm."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.flows.booking.flow import Step
from kiosk.screens.base import TaskScreen
from kiosk.texts import text, weekday
from kiosk.widgets import KEY_REPEAT_GUARD, KButton


class ConfirmScreen(TaskScreen):
    summary = StringProperty("")
    phone_text = StringProperty("")
    editing_phone = StringProperty("")  # "1" while the keypad is shown
    confirm_text = StringProperty(text("booking.confirm.button"))

    def on_kv_post(self, _base: Any) -> None:
        pad = self.ids.keypad
        labels = {"clear": text("booking.confirm.key_clear"),
                  "del": text("booking.confirm.key_delete")}
        for key in ("1", "2", "3", "4", "5", "6", "7", "8", "9", "clear", "0", "del"):
            button = KButton(text=labels.get(key, key), kind="plain", payload=key,
                             repeat_guard=KEY_REPEAT_GUARD)
            button.bind(on_release=lambda b: self.press(b.payload))
            pad.add_widget(button)

    def on_pre_enter(self, *_args: Any) -> None:
        flow = self.flow
        if flow is None or flow.state.slot is None:
            return
        st = flow.state
        slot = st.slot
        self.summary = text("booking.confirm.summary", name=flow.resident_name_masked,
                            id_number=flow.id_number_masked, item=st.item.name,
                            hall=st.hall.name, address=st.hall.address, start=slot.start,
                            weekday=weekday(slot.start), end=slot.end)
        self.editing_phone = "" if st.phone else "1"
        self.confirm_text = text("booking.confirm.button_by_phone" if flow.slip_by_phone
                                 else "booking.confirm.button")
        self._show_phone()

    def _show_phone(self) -> None:
        flow = self.flow
        phone = flow.state.phone
        if self.editing_phone:
            self.phone_text = phone or text("booking.confirm.phone_prompt")
        else:
            self.phone_text = flow.phone_masked

    def edit_phone(self) -> None:
        self.flow.set_phone("")
        self.editing_phone = "1"
        self._show_phone()

    def press(self, key: str) -> None:
        flow = self.flow
        phone = flow.state.phone
        if key == "del":
            phone = phone[:-1]
        elif key == "clear":
            phone = ""
        else:
            phone += key
        flow.set_phone(phone)
        self._show_phone()

    def confirm(self) -> None:
        flow = self.flow
        # Once tapped, the booking is in the outbox and will be made: no 取消 that would only
        # hide it (the wait is bounded by the platform client's timeouts, then provisional).
        self.ctx.ui.run_task(flow.confirm, self._booked, on_error=self._failed,
                             busy_text=text("booking.confirm.busy"), cancellable=False)

    def _booked(self, _booking: Any) -> None:
        self.ctx.nav.show()

    def _failed(self, message: str) -> None:
        flow = self.flow
        self.ctx.ui.message(message)
        if flow is not None and flow.step is Step.CHOOSE_SLOT:
            self.ctx.nav.show()

    def wipe(self) -> None:
        self.summary = ""
        self.phone_text = ""
        self.editing_phone = ""
