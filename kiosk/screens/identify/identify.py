"""Identify screen: renders what IdentifyFlow reads (ID card, social-security card, app code)
and offers only the ways that work now; 没带证件或读不出？ says what can be done here at any hour.
The reading, retrying, refusing and deciding live in the flow."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.flows.identify.flow import IdentifyFlow, IdentifyStep
from kiosk.screens.base import TaskScreen
from kiosk.texts import text
from kiosk.widgets import KButton


class IdentifyScreen(TaskScreen):
    status_text = StringProperty("")
    waiting = BooleanProperty(False)
    #: Set by the dev panel when it mounts its simulated-device buttons here.
    demo = BooleanProperty(False)
    #: The ways in that work now, in order ("id_card", "sscard", "app"); the first is the
    #: heading's, the others are buttons under "其他方式".
    ways = ListProperty([])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._render_trigger = Clock.create_trigger(lambda _dt: self._render(), 0)
        self._unlisten: Any = None

    def _identify_flow(self) -> IdentifyFlow | None:
        flow = self.flow
        return flow if isinstance(flow, IdentifyFlow) else None

    def on_pre_enter(self, *_args: Any) -> None:
        flow = self._identify_flow()
        if flow is None:
            return
        # The flow calls back from its reader threads; render on Kivy's main thread.
        self._unlisten = flow.listen(self._render_trigger)
        flow.start()
        self._render()

    def on_leave(self, *_args: Any) -> None:
        self.waiting = False
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        flow = self._identify_flow()
        if flow is not None:
            flow.stop()  # late results of the readers are dropped

    def _render(self) -> None:
        flow = self._identify_flow()
        if flow is None or not self.shown:
            return
        self.status_text = flow.state.message
        self.waiting = flow.state.waiting
        if flow.ways != list(self.ways):
            self.ways = flow.ways
        if flow.step is IdentifyStep.FACE:
            self.ctx.nav.show()
        elif flow.step is IdentifyStep.DONE and flow.identity is not None:
            self.ctx.nav.identified(flow.identity)

    def on_ways(self, _instance: Any, ways: list[str]) -> None:
        row = self.ids.other_ways
        for button in [c for c in row.children if isinstance(c, KButton)]:
            row.remove_widget(button)
        for way in ways[1:]:
            button = KButton(text=text(f"identify.way.{way}"), kind="plain", payload=way)
            button.bind(on_release=lambda b: self.other_way(b.payload))
            row.add_widget(button)

    def other_way(self, way: str) -> None:
        if way in self.ways:  # a way that went down since it was drawn is not explained
            self.ctx.ui.message(text(f"identify.{way}_help"))

    def ask_staff(self) -> None:
        """没带证件或读不出？: the staffed hall comes from the (cached) catalogue, off the main
        thread."""
        flow = self._identify_flow()
        if flow is None:
            return
        self.ctx.ui.run_task(flow.help_text, self.ctx.ui.message,
                             busy_text=text("identify.help.busy"))

    def wipe(self) -> None:
        self.status_text = ""
