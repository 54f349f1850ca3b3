"""The typed terminal context handed to every screen and flow, and the task description type.

Nothing here imports Kivy: the UI side (running work off the main thread, dialogs, the
navigator) is a port the app fills in, so that flows and their tests never need a display.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from devices.base import DeviceStatus

from .config import KioskConfig
from .device_set import Devices
from .identity import ResidentIdentity
from .ports import Bookings, Catalogue
from .session import Session

if TYPE_CHECKING:  # the platform side is composed after the first frame (issue 11)
    from services.client import PlatformClient
    from writes.kinds import WriteKind
    from writes.queue import WriteQueue


class Flow(Protocol):
    """A resident task's state machine: its current step names the screen to show."""

    @property
    def step(self) -> Any: ...  # an Enum whose .value is a key of the task's `steps`

    def wipe(self) -> None: ...


class Ui(Protocol):
    """What screens ask of the shell (implemented by the app on Kivy's main thread)."""

    theme: Any  # type scale and colours (kiosk/theme.py), 长辈模式 included

    def run_task(self, work: Callable[[], Any], on_done: Callable[[Any], None], *,
                 on_error: Callable[[str], None] | None = None, busy_text: str | None = None,
                 on_cancel: Callable[[], None] | None = None,
                 cancellable: bool = True) -> None: ...

    def message(self, text: str, button_text: str | None = None) -> Any: ...

    def later(self, seconds: float, callback: Callable[[], None]) -> Any: ...


class Navigation(Protocol):
    """One place that decides which screen shows (kiosk/navigator.py)."""

    def show(self, flow: Flow | None = None) -> None: ...

    def home(self) -> None: ...

    def go(self, screen: str) -> None: ...

    def reset(self) -> None: ...

    def open_task(self, key: str) -> None: ...

    def identified(self, identity: ResidentIdentity) -> None: ...

    @property
    def current(self) -> str: ...


@dataclass
class TerminalContext:
    """Everything a screen or a flow may use, built once by the app from the config."""

    config: KioskConfig
    devices: Devices
    session: Session
    clock: Callable[[], datetime]
    font_path: str
    #: The device manager's last status of a device (None: not known yet).
    device_status: Callable[[str], DeviceStatus | None]
    #: The platform side: the app connects it right after its first frame, before any touch
    #: is handled (kiosk/platform_link.py), so that the attract screen shows at once.
    client: PlatformClient = field(default=None)  # type: ignore[assignment]  # set then
    catalogue: Catalogue = field(default=None)  # type: ignore[assignment]  # same
    bookings: Bookings = field(default=None)  # type: ignore[assignment]  # same
    writes: WriteQueue = field(default=None)  # type: ignore[assignment]  # same
    #: Filled in by the app once Kivy runs; screens only.
    ui: Ui = field(default=None)  # type: ignore[assignment]  # set before any screen is built
    nav: Navigation = field(default=None)  # type: ignore[assignment]  # same

    @property
    def demo(self) -> bool:
        return self.config.ui.demo

    def printer_ready(self) -> bool:
        status = self.device_status("printer")
        return status is None or status.usable  # unknown yet: try, and report what happens


@dataclass(frozen=True)
class ScreenSpec:
    """A screen of a task: its name, `module:Class` and its .kv file (relative to kiosk/)."""

    name: str
    cls: str
    kv: str


@dataclass(frozen=True)
class Notice:
    """Something the resident is told once after identifying (e.g. an offline booking's fate)."""

    title: str
    text: str


@dataclass(frozen=True)
class TaskSpec:
    """A resident service, described once: the home tile, what it needs, how it starts, its
    screens (step value → screen name), the write kinds it sends with their handlers."""

    key: str
    title: str
    subtitle: str = ""
    icon: str = ""
    #: Tile on the home screen (identification has none: other tasks start it).
    on_home: bool = True
    needs_identity: bool = True
    #: Devices without which it cannot start ("idcard", "printer", "camera") and "platform"
    #: for a service that needs the platform live (a query or a payment cannot be queued).
    needs: tuple[str, ...] = ()
    #: Builds the task's flow for an identified resident (None: identity not needed or the
    #: task is not built yet: its tile says 即将开放).
    start: Callable[[TerminalContext, ResidentIdentity | None], Flow] | None = None
    screens: tuple[ScreenSpec, ...] = ()
    steps: Mapping[str, str] = field(default_factory=dict)
    write_kinds: tuple[WriteKind, ...] = ()
    #: Told once after identification, before the task starts (e.g. offline bookings decided).
    notices: Callable[[TerminalContext, ResidentIdentity], list[Notice]] | None = None

    @property
    def available(self) -> bool:
        return self.start is not None

    def screen_for(self, step: Any) -> str:
        value = getattr(step, "value", step)
        try:
            return self.steps[str(value)]
        except KeyError:
            raise KeyError(f"task {self.key!r} has no screen for step {value!r}") from None
