"""Step 2 of 3: hall, date and time slot, with the places left in each slot."""

from __future__ import annotations

from datetime import date
from typing import Any

from kivy.properties import StringProperty

from services.schemas import Hall, Slot

from kiosk.flows.booking.flow import FlowError
from kiosk.screens.base import TaskScreen
from kiosk.texts import text, weekday
from kiosk.widgets import KButton


class SlotScreen(TaskScreen):
    item_name = StringProperty("")
    hint = StringProperty("")

    def on_pre_enter(self, *_args: Any) -> None:
        flow = self.flow
        if flow is None or flow.state.item is None:
            return
        self.item_name = flow.state.item.name
        self._render_halls()
        self._render_days()
        self._render_slots()

    def _render_halls(self) -> None:
        flow = self.flow
        box = self.ids.halls
        box.clear_widgets()
        for hall in flow.state.halls:
            button = KButton(text=f"{hall.name}\n[size={int(self.theme.font_s)}]{hall.address}"
                                  f" · {hall.hours}[/size]", markup=True, kind="plain",
                             payload=hall, selected=flow.state.hall is hall)
            button.bind(on_release=lambda b: self.choose_hall(b.payload))
            box.add_widget(button)

    def _render_days(self) -> None:
        flow = self.flow
        box = self.ids.days
        box.clear_widgets()
        for day in flow.booking_days():
            label = text("booking.slot.day", month=day.month, day=day.day, weekday=weekday(day))
            button = KButton(text=label, kind="plain", payload=day, size_hint_x=None,
                             selected=flow.state.day == day)
            button.width = self.theme.font_m * 5.2
            button.bind(on_release=lambda b: self.choose_day(b.payload))
            box.add_widget(button)

    def _render_slots(self) -> None:
        flow = self.flow
        box = self.ids.slots
        box.clear_widgets()
        st = flow.state
        if st.hall is None or st.day is None:
            self.hint = text("booking.slot.choose_hall_first")
            return
        if not st.slots:
            self.hint = text("booking.slot.none_that_day")
            return
        self.hint = text("booking.slot.hint")
        if st.slots_age_s is not None:
            minutes = max(1, round(st.slots_age_s / 60))
            self.hint += text("booking.slot.stale", minutes=minutes)
        for slot in st.slots:
            label = f"{slot.start:%H:%M}-{slot.end:%H:%M}\n" + (
                text("booking.slot.remaining", remaining=slot.remaining) if slot.remaining
                else text("booking.slot.full"))
            button = KButton(text=label, kind="plain", payload=slot,
                             disabled=slot.remaining <= 0)
            button.bind(on_release=lambda b: self.choose_slot(b.payload))
            box.add_widget(button)

    def choose_hall(self, hall: Hall) -> None:
        flow = self.flow
        self.ctx.ui.run_task(lambda: flow.choose_hall(hall), self._after_change,
                       busy_text=text("booking.slot.busy"))

    def choose_day(self, day: date) -> None:
        flow = self.flow
        self.ctx.ui.run_task(lambda: flow.choose_day(day), self._after_change,
                       busy_text=text("booking.slot.busy"))

    def _after_change(self, _result: Any) -> None:
        self._render_halls()
        self._render_days()
        self._render_slots()

    def choose_slot(self, slot: Slot) -> None:
        flow = self.flow
        try:
            flow.choose_slot(slot)
        except FlowError as exc:
            self.ctx.ui.message(exc.message)
            return
        self.ctx.nav.show()

    def wipe(self) -> None:
        self.item_name = ""
        self.hint = ""
        for key in ("halls", "days", "slots"):
            self.ids[key].clear_widgets()
