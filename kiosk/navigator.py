"""The navigator: a flow's step → its screen, and home, identification and reset in one place."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from .context import Flow, TerminalContext
from .identity import ResidentIdentity
from .tasks import TaskRegistry
from .texts import text

log = logging.getLogger(__name__)

IDENTIFY = "identify"


class Navigator:
    """Screens never name the next screen: they ask to `show()` their flow's step."""

    def __init__(self, ctx: TerminalContext, registry: TaskRegistry,
                 go: Callable[[str], None], current: Callable[[], str],
                 reset: Callable[[str], None]) -> None:
        self._ctx = ctx
        self._registry = registry
        self._go = go
        self._current = current
        self._reset = reset
        self._pending: str | None = None

    @property
    def current(self) -> str:
        return self._current()

    def go(self, screen: str) -> None:
        """The shell's own screens (attract, home)."""
        self._go(screen)

    def show(self, flow: Flow | None = None) -> None:
        """Show the screen of the running flow's current step."""
        session = self._ctx.session
        flow = flow or session.flow
        if flow is None or session.task is None:
            self._go("home")
            return
        self._go(self._registry.get(session.task).screen_for(flow.step))

    def open_task(self, key: str) -> None:
        """A home tile: identify first when the task needs it, then start it."""
        task = self._registry.get(key)
        session = self._ctx.session
        if task.start is None:
            return
        if task.needs_identity and session.identity is None:
            self._pending = key
            self._start(IDENTIFY, None)
            return
        self._start(key, session.identity)

    def _start(self, key: str, identity: ResidentIdentity | None) -> None:
        task = self._registry.get(key)
        assert task.start is not None
        session = self._ctx.session
        if session.flow is not None:
            session.flow.wipe()
        session.flow = task.start(self._ctx, identity)
        session.task = key
        self.show()

    def identified(self, identity: ResidentIdentity) -> None:
        """Identification finished: the session starts, notices are told, the task begins."""
        session = self._ctx.session
        session.start(identity, time.monotonic())
        pending, self._pending = self._pending, None
        if pending is not None:
            self._start(pending, identity)
        else:
            if session.flow is not None:
                session.flow.wipe()
            session.flow, session.task = None, None
            self._go("home")
        self._tell_notices(identity)

    def _tell_notices(self, identity: ResidentIdentity) -> None:
        found = [n for task in self._registry if task.notices is not None
                 for n in task.notices(self._ctx, identity)]
        if found:
            self._ctx.ui.message("\n\n".join(text("visit.notice", title=n.title, text=n.text)
                                             for n in found))

    def home(self) -> None:
        """首页: leaving a task mid-way ends the resident's session; nothing lingers."""
        session = self._ctx.session
        if session.identity is not None or session.flow is not None:
            self._reset("home")
        else:
            self._go("home")

    def reset(self, to: str = "attract") -> None:
        self._reset(to)

    def forget_pending(self) -> None:
        self._pending = None
