"""The resident session: identity, idle timers and the wipe at the end. No Kivy here."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any
from collections.abc import Callable


from .identity import ResidentIdentity


class IdleState(enum.Enum):
    ACTIVE = "active"
    WARNING = "warning"
    EXPIRED = "expired"


@dataclass(frozen=True)
class IdleTimeouts:
    idle: float
    warning: float
    elderly_factor: float = 2.0

    def scaled(self, elderly: bool) -> tuple[float, float]:
        f = self.elderly_factor if elderly else 1.0
        return self.idle * f, self.warning * f


class Session:
    """One resident at a time. `tick(now)` tells the app when to warn and when to reset."""

    def __init__(self, timeouts: IdleTimeouts, now: float) -> None:
        self._timeouts = timeouts
        self.identity: ResidentIdentity | None = None
        self.flow: Any = None
        self.task: str | None = None  # the registry key of the running flow
        self.elderly = False
        self._last_touch = now
        self._wipe_hooks: list[Callable[[], None]] = []

    @property
    def active(self) -> bool:
        return self.identity is not None or self.flow is not None

    @property
    def verified_by(self) -> str | None:
        """How the person was confirmed: "face", "staff" (PIN instead of the face), "app" or
        "card" (no face check on this terminal). Later steps and audits may ask."""
        return self.identity.verified_by if self.identity is not None else None

    def start(self, identity: ResidentIdentity, now: float) -> None:
        self.identity = identity
        self._last_touch = now

    def touch(self, now: float) -> None:
        self._last_touch = now

    def extend(self, now: float) -> None:
        """The resident asked for more time in the idle warning."""
        self._last_touch = now

    def tick(self, now: float) -> IdleState:
        idle, warning = self._timeouts.scaled(self.elderly)
        quiet = now - self._last_touch
        if quiet >= idle + warning:
            return IdleState.EXPIRED
        if quiet >= idle:
            return IdleState.WARNING
        return IdleState.ACTIVE

    def seconds_left(self, now: float) -> int:
        idle, warning = self._timeouts.scaled(self.elderly)
        return max(0, int(round(idle + warning - (now - self._last_touch))))

    def on_wipe(self, hook: Callable[[], None]) -> None:
        """Screens register here to clear what they show of the resident."""
        self._wipe_hooks.append(hook)

    def wipe(self, now: float) -> None:
        """End the session: forget identity, flow state and anything screens hold."""
        if self.flow is not None and hasattr(self.flow, "wipe"):
            self.flow.wipe()
        self.flow = None
        self.task = None
        self.identity = None
        self.elderly = False
        self._last_touch = now
        for hook in self._wipe_hooks:
            hook()
