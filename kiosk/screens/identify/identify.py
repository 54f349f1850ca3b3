"""Identify screen: renders what IdentifyFlow reads (ID card, social-security card, app code);
always a way through with staff. The reading, retrying and deciding live in the flow."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.flows.identify.flow import IdentifyFlow, IdentifyStep
from kiosk.screens.base import TaskScreen
from kiosk.texts import text


class IdentifyScreen(TaskScreen):
    status_text = StringProperty("")
    waiting = BooleanProperty(False)
    #: Set by the dev panel when it mounts its simulated-device buttons here.
    demo = BooleanProperty(False)
    sscard_ready = BooleanProperty(False)
    camera_ready = BooleanProperty(False)

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
        self.sscard_ready = flow.has_sscard
        self.camera_ready = flow.has_camera
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
        if flow.step is IdentifyStep.FACE:
            self.ctx.nav.show()
        elif flow.step is IdentifyStep.DONE and flow.identity is not None:
            self.ctx.nav.identified(flow.identity)

    def other_way(self, way: str) -> None:
        if way == "sscard" and self.sscard_ready:
            self.ctx.ui.message(text("identify.sscard_help"))
        elif way == "app" and self.camera_ready:
            self.ctx.ui.message(text("identify.app_help"))
        else:
            self.ctx.ui.message(text("identify.way_coming",
                                     title=text("identify.way.sscard") if way == "sscard"
                                     else text("identify.way.app")))

    def ask_staff(self) -> None:
        self.ctx.ui.message(text("identify.ask_staff"))

    def wipe(self) -> None:
        self.status_text = ""
