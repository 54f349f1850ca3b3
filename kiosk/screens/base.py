"""TaskScreen: a screen built with the terminal context; it renders and forwards, nothing more."""

from __future__ import annotations

from typing import Any

from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen

from kiosk.context import TerminalContext


class TaskScreen(Screen):
    """Base of every screen: `ctx` is handed in when the app builds it (no global app())."""

    ctx = ObjectProperty(None)

    def __init__(self, ctx: TerminalContext, **kwargs: Any) -> None:
        self.ctx = ctx
        super().__init__(**kwargs)

    @property
    def flow(self) -> Any:
        """The running task's flow (None between residents)."""
        return self.ctx.session.flow if self.ctx is not None else None

    @property
    def theme(self) -> Any:
        return self.ctx.ui.theme

    def back(self) -> None:
        """返回: the flow steps back, the navigator shows that step's screen."""
        flow = self.flow
        if flow is not None and hasattr(flow, "back"):
            flow.back()
        self.ctx.nav.show()

    @property
    def shown(self) -> bool:
        return self.manager is not None and self.manager.current == self.name
