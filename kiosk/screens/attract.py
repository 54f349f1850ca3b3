"""Attract screen: shown while nobody uses the terminal; a touch starts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kivy.clock import Clock
from kivy.properties import ListProperty, NumericProperty, StringProperty

from kiosk.context import TaskSpec
from kiosk.screens.base import TaskScreen
from kiosk.texts import text


def attract_notices(services: Sequence[TaskSpec]) -> list[str]:
    """政务公开 snippets shown while idle, in turn: what they promise is what is enabled."""
    titles = text("attract.services_joiner").join(task.title for task in services)
    notices = [text("attract.notice.hours", services=titles)] if titles else []
    notices.append(text("attract.notice.elderly"))
    if any(task.key == "booking" for task in services):
        notices.append(text("attract.notice.cross_province"))
    notices.append(text("attract.notice.hotline"))
    return notices


class AttractScreen(TaskScreen):
    notice_index = NumericProperty(0)
    services_line = StringProperty("")  # the services that work now, as one line
    notices = ListProperty([text("attract.notice.hotline")])

    def show_services(self, tasks: Sequence[TaskSpec]) -> None:
        """The registry's services (called once by the app): only the enabled ones are named."""
        enabled = [task for task in tasks if task.available]
        self.services_line = text("attract.services_separator").join(t.title for t in enabled)
        self.notices = attract_notices(enabled)

    def on_enter(self, *_args: Any) -> None:
        self._event = Clock.schedule_interval(self._rotate, 6)

    def on_leave(self, *_args: Any) -> None:
        self._event.cancel()

    def _rotate(self, _dt: float) -> None:
        self.notice_index = (self.notice_index + 1) % len(self.notices)

    def notice(self, index: int) -> str:
        return str(self.notices[index % len(self.notices)])

    def on_touch_up(self, touch: Any) -> bool:
        if self.collide_point(*touch.pos) and self.manager and self.manager.current == self.name:
            self.manager.current = "home"
            return True
        return super().on_touch_up(touch)
