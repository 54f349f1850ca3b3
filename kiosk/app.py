"""KioskApp: the composition root. Builds the context, the navigator and the task screens.

It holds no domain: what a service is and does comes from the task registry (kiosk/tasks/),
the flows decide, the screens render. The app owns the shell: idle warning, busy overlay,
messages, the offline banner, device health, and the reset that wipes a resident's session.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty
from kivy.uix.screenmanager import FadeTransition

from devices.base import DeviceError, DeviceState
from devices.manager import DeviceManager
from services.errors import PlatformError
from services.api_constants import CHINA_TZ

from .config import KioskConfig
from .context import TerminalContext
from .device_set import Devices
from .flows.errors import FlowError
from .heap import give_back
from .navigator import Navigator
from .screens.lazy import LazyScreenManager
from .session import IdleState, IdleTimeouts, Session
from .tasks import TaskRegistry, default_registry
from .texts import error_text, text
from .theme import Theme
from .widgets import BusyOverlay, IdleWarning, MessageDialog

if TYPE_CHECKING:  # connected after the first frame: requests and the outbox wait till then
    from .platform_link import PlatformLink

log = logging.getLogger("kiosk.app")
HERE = Path(__file__).parent

#: Called once the window and the attract screen exist (the demo mounts its dev panel this
#: way; other screens are there once `app.sm.when_built(name, ...)` calls back).
StartHook = Callable[["KioskApp"], None]


class KioskApp(App):
    theme = ObjectProperty(None)
    # True while the sync worker cannot reach the platform: the shell shows a banner.
    offline = BooleanProperty(False)

    def __init__(self, config: KioskConfig, font_path: str, *,
                 registry: TaskRegistry | None = None,
                 on_built: tuple[StartHook, ...] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cfg = config
        self.title = "政务服务自助终端"
        self.theme = Theme(elderly=config.ui.elderly_mode)
        self.theme.property("elderly").dispatch(self.theme)
        self.registry = registry or default_registry()
        self._on_built = on_built
        self.devices = Devices(config)
        self._catalogue_stop = threading.Event()
        self.device_manager = DeviceManager(self.devices.all())
        t = config.timeouts
        self.session = Session(IdleTimeouts(t.idle, t.warning, t.elderly_factor), time.monotonic())
        self.session.elderly = self.theme.elderly  # a terminal configured for 长辈模式
        # client, catalogue, bookings and writes are connected after the first frame.
        self.ctx = TerminalContext(
            config=config, devices=self.devices, session=self.session,
            clock=lambda: datetime.now(CHINA_TZ), font_path=font_path,
            device_status=lambda name: self.device_manager.snapshot().get(name))
        self.link: PlatformLink | None = None
        self.ctx.ui = self
        self._idle_warning: IdleWarning | None = None
        self._busy: BusyOverlay | None = None
        self._task_generation = 0
        self._usable: dict[str, bool] | None = None  # the devices' last health, for home
        self.sm: LazyScreenManager | None = None

    # -- building -------------------------------------------------------------------------
    def load_kv(self, filename: str | None = None) -> bool:
        # Kivy would auto-load kiosk.kv by the app's name; build() loads the files in order.
        return False

    def build(self) -> Any:
        # Only what the first frame shows is built before it: the shell and the attract
        # screen. Every other screen (and its .kv) is built on first use, or in idle time
        # after the first frame; devices and threads start then too (issue 11: cold start).
        Builder.load_file(str(HERE / "widgets.kv"))
        root = Builder.load_file(str(HERE / "kiosk.kv"))
        self.sm = root.ids.sm
        self.sm.transition = FadeTransition(duration=0.15)
        self.nav = Navigator(self.ctx, self.registry, go=self._go,
                             current=lambda: self.sm.current if self.sm else "",
                             reset=self.reset_session)
        self.ctx.nav = self.nav
        self.sm.declare(self.registry.screens(), self.ctx, self._screen_built)
        self.sm.get_screen("attract")
        Window.bind(on_touch_down=self._on_any_touch, on_flip=self._first_frame)
        Clock.schedule_interval(self._tick, 0.5)
        self.root_header = root.ids.header
        for hook in self._on_built:
            hook(self)
        return root

    def _screen_built(self, screen: Any) -> None:
        if hasattr(screen, "wipe"):
            self.session.on_wipe(screen.wipe)
        if screen.name == "home":
            screen.show_tiles(self.registry.tiles())
            if self._usable is not None:
                screen.devices_changed(self._usable)
        elif screen.name == "attract":
            screen.show_services(self.registry.tiles())

    def _first_frame(self, *_args: Any) -> None:
        Window.unbind(on_flip=self._first_frame)
        Clock.schedule_once(self._start_background, 0)

    def _start_background(self, _dt: float) -> None:
        """After the first frame: the platform side, devices, their health, the catalogue."""
        from .platform_link import connect
        self._offline_trigger = Clock.create_trigger(self._sync_state_changed, 0)
        link = self.link = connect(self.cfg, self.registry.write_kinds(),
                                   on_change=lambda: self._offline_trigger())
        self.outbox, self.sync_worker, self.local_catalogue = (
            link.outbox, link.sync_worker, link.local_catalogue)
        ctx = self.ctx
        ctx.client, ctx.catalogue, ctx.bookings, ctx.writes = (
            link.client, link.local_catalogue, link.bookings, link.writes)
        # Health changes arrive on the manager's thread; merge bursts onto the main thread.
        self.devices.open_all()
        self._devices_trigger = Clock.create_trigger(self._devices_changed, 0)
        self.device_manager.subscribe(lambda _name, _status: self._devices_trigger())
        self.device_manager.start()
        self.sync_worker.start()
        threading.Thread(target=self.local_catalogue.keep_fresh, args=(self._catalogue_stop,),
                         daemon=True, name="kiosk-catalogue").start()
        self._build_idle()

    def _build_idle(self, _dt: float = 0) -> None:
        # One screen per frame, so that a touch on the attract screen is answered in between.
        if self.sm is not None and self.sm.build_next():
            Clock.schedule_once(self._build_idle, 0)

    def _devices_changed(self, _dt: float) -> None:
        snapshot = self.device_manager.snapshot()
        usable = {name: status.usable for name, status in snapshot.items()}
        # A reader with no card on it (NO_MEDIA) is healthy: it is waiting for one.
        idcard = snapshot.get("idcard")
        if idcard is not None:
            usable["idcard"] = idcard.state not in (DeviceState.OFFLINE, DeviceState.ERROR)
        # Unknown yet: assume up.
        usable["platform"] = self.link is None or self.link.sync_worker.online is not False
        self._usable = usable
        if self.sm is not None and self.sm.is_built("home"):
            self.sm.get_screen("home").devices_changed(usable)

    def _sync_state_changed(self, _dt: float) -> None:
        self.offline = self.link is not None and self.link.sync_worker.online is False
        self._devices_trigger()  # services that need the platform live say why they cannot

    def on_stop(self) -> None:
        self._catalogue_stop.set()
        if self.link is not None:
            self.link.sync_worker.stop()
        self.device_manager.stop()
        self.devices.close_all()
        self.session.wipe(time.monotonic())
        if self.link is not None:
            self.link.client.close()

    # -- navigation (the shell's buttons; everything else goes through the navigator) -----
    def _go(self, name: str) -> None:
        assert self.sm is not None
        self.sm.current = name

    def go_home(self) -> None:
        self.nav.home()

    def toggle_elderly(self) -> None:
        self.theme.elderly = not self.theme.elderly
        self.session.elderly = self.theme.elderly

    # -- idle handling --------------------------------------------------------------------
    def _on_any_touch(self, _window: Any, _touch: Any) -> None:
        self.session.touch(time.monotonic())

    def _tick(self, _dt: float) -> None:
        hdr = getattr(self, "root_header", None)
        if hdr is not None:
            hdr.clock_text = self.ctx.clock().strftime("%H:%M")
        if self.sm is None or self.sm.current == "attract":
            return
        now = time.monotonic()
        state = self.session.tick(now)
        if state is IdleState.ACTIVE:
            if self._idle_warning is not None:
                self._idle_warning.dismiss()
                self._idle_warning = None
            return
        if state is IdleState.EXPIRED:
            self.reset_session()
            return
        if self._idle_warning is None:
            self._idle_warning = IdleWarning()
            self._idle_warning.open()
        self._idle_warning.seconds = self.session.seconds_left(now)

    def extend_session(self) -> None:
        self.session.extend(time.monotonic())
        if self._idle_warning is not None:
            self._idle_warning.dismiss()
            self._idle_warning = None

    def reset_session(self, to: str = "attract") -> None:
        """Wipe the resident's data from memory and screens, then go back to `to`."""
        if self._idle_warning is not None:
            self._idle_warning.dismiss()
            self._idle_warning = None
        self._task_generation += 1  # results of running tasks are dropped
        if self._busy is not None:
            self._busy.dismiss()
            self._busy = None
        self.session.wipe(time.monotonic())
        self.nav.forget_pending()
        if to != "home":
            # 首页 mid-task: the same person is still at the screen, so 长辈模式 stays on;
            # only the next resident, after attract, starts from the configured mode.
            self.theme.elderly = self.cfg.ui.elderly_mode
        self.session.elderly = self.theme.elderly  # and its longer timeouts with it
        self._go(to)
        # Once the screens have let go of the resident's lists, textures and frames.
        Clock.schedule_once(lambda _dt: give_back(), 1.0)

    # -- the Ui port: work off the main thread, messages ----------------------------------
    def run_task(self, work: Callable[[], Any], on_done: Callable[[Any], None],
                 on_error: Callable[[str], None] | None = None, busy_text: str | None = None,
                 on_cancel: Callable[[], None] | None = None,
                 cancellable: bool = True) -> None:
        """Run `work` in a thread; hand the result back on Kivy's main thread.

        A screen never waits on the network or a device: a busy overlay shows progress
        and can be cancelled, after which the late result is dropped. Work that commits
        something at once (a booking handed to the outbox) is not `cancellable`: a 取消 that
        only hid the outcome would leave the resident believing nothing happened.
        """
        self._task_generation += 1
        generation = self._task_generation
        if busy_text:
            self._busy = BusyOverlay(text=busy_text, cancellable=cancellable)

            def cancelled() -> None:
                self._task_generation += 1
                self._busy = None
                if on_cancel:
                    on_cancel()
            self._busy.on_cancel = cancelled
            self._busy.open()

        def finish(callback: Callable[[], None]) -> None:
            def run(_dt: float) -> None:
                if generation != self._task_generation:
                    return
                if self._busy is not None:
                    self._busy.dismiss()
                    self._busy = None
                callback()
            Clock.schedule_once(run)

        def target() -> None:
            try:
                result = work()
            except (FlowError, PlatformError, DeviceError) as exc:
                # The one place an error becomes the resident's words (kiosk/texts.py).
                if isinstance(exc, DeviceError):
                    log.warning("device error: %s", type(exc).__name__)
                message = error_text(exc)
                finish(lambda: (on_error or self.message)(message))
            else:
                finish(lambda: on_done(result))

        threading.Thread(target=target, daemon=True, name="kiosk-task").start()

    def message(self, text_: str, button_text: str | None = None) -> MessageDialog:
        dialog = MessageDialog(text=text_, button_text=button_text or text("app.ok"))
        dialog.open()
        return dialog


    def later(self, seconds: float, callback: Callable[[], None]) -> Any:
        return Clock.schedule_once(lambda _dt: callback(), seconds)
