"""The 留言板 test service's one screen: it renders the flow and forwards the tap."""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from kiosk.screens.base import TaskScreen


class NoteScreen(TaskScreen):
    status = StringProperty("")

    def send(self) -> None:
        flow = self.flow
        self.ctx.ui.run_task(flow.send, self._sent, busy_text="正在提交…")

    def _sent(self, status: Any) -> None:
        self.status = str(status)
        self.ctx.nav.show()

    def wipe(self) -> None:
        self.status = ""
