"""Attract screen: shown while nobody uses the terminal; a touch starts."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import NumericProperty

from kiosk.screens.base import TaskScreen
from kiosk.texts import text

# 政务公开 snippets shown while idle (static until the catalogue serves public notices).
NOTICES = (
    text("attract.notice.hours"),
    text("attract.notice.elderly"),
    text("attract.notice.cross_province"),
    text("attract.notice.hotline"),
)


class AttractScreen(TaskScreen):
    notice_index = NumericProperty(0)

    def on_enter(self, *_args: Any) -> None:
        self._event = Clock.schedule_interval(self._rotate, 6)

    def on_leave(self, *_args: Any) -> None:
        self._event.cancel()

    def _rotate(self, _dt: float) -> None:
        self.notice_index = (self.notice_index + 1) % len(NOTICES)

    def notice(self, index: int) -> str:
        return NOTICES[index % len(NOTICES)]

    def on_touch_up(self, touch: Any) -> bool:
        if self.collide_point(*touch.pos) and self.manager and self.manager.current == self.name:
            self.manager.current = "home"
            return True
        return super().on_touch_up(touch)
