"""KioskApp: the composition root. Wires config to devices, services and flows; navigates."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import FadeTransition, ScreenManager

from devices.base import DeviceError, DeviceState
from devices.manager import DeviceManager
from services.bookings import BookingService
from services.client import PlatformClient
from services.errors import PlatformError

from .config import KioskConfig
from .device_set import Devices
from offline_cache.cache import ResponseCache
from offline_cache.sync import SyncWorker

from offline_cache.outbox import OutboxError
from writes.outbox import open_outbox
from writes.queue import WriteQueue
from writes.sender import PlatformSender

from .flows.booking.flow import BookingFlow, FlowError
from .flows.booking.cached_catalogue import CachedBookings, CachedCatalogue
from .flows.booking.provisional import OfflineBookings
from .printouts.slip import render_booking_slip
from .session import IdleState, IdleTimeouts, Session
from .theme import Theme
from .widgets import BusyOverlay, IdleWarning, MessageDialog

log = logging.getLogger("kiosk.app")
HERE = Path(__file__).parent
CHINA_TZ = timezone(timedelta(hours=8))


class KioskApp(App):
    theme = ObjectProperty(None)
    resident_label = StringProperty("")
    # True while the sync worker cannot reach the platform: the shell shows a banner.
    offline = BooleanProperty(False)

    def __init__(self, config: KioskConfig, font_path: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cfg = config
        self.font_path = font_path
        self.title = "政务服务自助终端"
        self.theme = Theme(elderly=config.ui.elderly_mode)
        self.theme.property("elderly").dispatch(self.theme)
        self.client = PlatformClient(config.platform.url, config.platform.token,
                                     timeout=config.platform.timeout)
        self.devices = Devices(config)
        # Every platform write is committed to the outbox first, then sent (issue 4).
        ob = config.outbox
        self.outbox = open_outbox(ob.db, key=ob.key, key_file=ob.key_file)
        # Catalogue, guides and halls come from the cache when the platform is unreachable.
        self.catalogue = CachedCatalogue(self.client, ResponseCache(self.outbox.store))
        self.bookings = CachedBookings(self.catalogue, BookingService(self.client))
        self.sync_worker = SyncWorker(self.outbox, PlatformSender(self.client),
                                      on_change=lambda: self._offline_trigger(),
                                      probe=self.client.reachable)
        self.writes = WriteQueue(self.outbox, self.sync_worker)
        # Offline, a booking is accepted provisionally; the platform decides on delivery.
        self.offline_bookings = OfflineBookings(
            self.writes, terminal_id=config.terminal.id, clock=lambda: datetime.now(CHINA_TZ),
            new_key=lambda: str(uuid.uuid4()))
        self.device_manager = DeviceManager(self.devices.all())
        t = config.timeouts
        self.session = Session(IdleTimeouts(t.idle, t.warning, t.elderly_factor), time.monotonic())
        self.pending_service: str | None = None
        self._idle_warning: IdleWarning | None = None
        self._busy: BusyOverlay | None = None
        self._task_generation = 0
        self.sm: ScreenManager | None = None

    # -- building -------------------------------------------------------------------------
    def load_kv(self, filename: str | None = None) -> bool:
        # Kivy would auto-load kiosk.kv by the app's name; build() loads the files in order.
        return False

    def build(self) -> Any:
        from .screens import registry
        Builder.load_file(str(HERE / "widgets.kv"))
        for kv in registry.KV_FILES:
            Builder.load_file(str(HERE / "screens" / kv))
        root = Builder.load_file(str(HERE / "kiosk.kv"))
        self.sm = root.ids.sm
        self.sm.transition = FadeTransition(duration=0.15)
        for name in registry.SCREENS:
            self.sm.add_widget(registry.make(name))
        for screen in self.sm.screens:
            if hasattr(screen, "wipe"):
                self.session.on_wipe(screen.wipe)
        # Health changes arrive on the manager's thread; merge bursts onto the main thread.
        self.devices.open_all()
        self._devices_trigger = Clock.create_trigger(self._devices_changed, 0)
        self.device_manager.subscribe(lambda _name, _status: self._devices_trigger())
        self.device_manager.start()
        self._offline_trigger = Clock.create_trigger(self._sync_state_changed, 0)
        self.sync_worker.start()
        Window.bind(on_touch_down=self._on_any_touch)
        Clock.schedule_interval(self._tick, 0.5)
        self.root_header = root.ids.header
        return root

    def _devices_changed(self, _dt: float) -> None:
        snapshot = self.device_manager.snapshot()
        usable = {name: status.usable for name, status in snapshot.items()}
        # A reader with no card on it (NO_MEDIA) is healthy: it is waiting for one.
        idcard = snapshot.get("idcard")
        if idcard is not None:
            usable["idcard"] = idcard.state not in (DeviceState.OFFLINE, DeviceState.ERROR)
        usable["platform"] = self.sync_worker.online is not False  # unknown yet: assume up
        assert self.sm is not None
        self.sm.get_screen("home").devices_changed(usable)

    def _sync_state_changed(self, _dt: float) -> None:
        self.offline = self.sync_worker.online is False
        self._devices_trigger()  # services that need the platform live say why they cannot

    def on_stop(self) -> None:
        self.sync_worker.stop()
        self.device_manager.stop()
        self.devices.close_all()
        self.session.wipe(time.monotonic())
        self.client.close()

    # -- navigation -----------------------------------------------------------------------
    def go(self, name: str) -> None:
        assert self.sm is not None
        self.sm.current = name

    def go_home(self) -> None:
        if self.session.identity is not None:
            # Leaving a task mid-way ends the resident's session: nothing lingers.
            self.reset_session(to="home")
        else:
            self.go("home")

    def open_service(self, key: str) -> None:
        self.pending_service = key
        if self.session.identity is None:
            self.go("identify")
        else:
            self.start_pending_service()

    def start_pending_service(self) -> None:
        if self.pending_service == "booking":
            self.session.flow = BookingFlow(
                identity=self.session.identity, catalogue=self.catalogue,  # type: ignore[arg-type]
                bookings=self.bookings, printer=self.devices.printer,
                render_slip=self._render_slip, clock=lambda: datetime.now(CHINA_TZ),
                print_timeout=self.cfg.devices.printer.timeout, writes=self.writes,
                printer_ready=self._printer_ready, offline=self.offline_bookings)
            self.go("item")

    def _printer_ready(self) -> bool:
        status = self.device_manager.snapshot().get("printer")
        return status is None or status.usable  # unknown yet: try, and report what happens

    def identified(self, identity: Any) -> None:
        self.session.start(identity, time.monotonic())
        self.start_pending_service()
        self._show_visit_notices(identity)

    def _show_visit_notices(self, identity: Any) -> None:
        """What became of the resident's earlier offline bookings, shown once when decided."""
        try:
            notices = self.offline_bookings.notices(identity.id_number)
        except (OutboxError, sqlite3.Error) as exc:
            log.warning("visit notices unavailable: %s", type(exc).__name__)
            return
        if notices:
            self.show_message("\n\n".join(f"【{n.title}】\n{n.text}" for n in notices))
            self.offline_bookings.mark_shown(notices)

    def toggle_elderly(self) -> None:
        self.theme.elderly = not self.theme.elderly
        self.session.elderly = self.theme.elderly

    def _render_slip(self, booking: Any) -> bytes:
        return render_booking_slip(booking, font_path=self.font_path,
                                   terminal_name=self.cfg.terminal.name,
                                   printed_at=datetime.now(CHINA_TZ))

    # -- idle handling --------------------------------------------------------------------
    def _on_any_touch(self, _window: Any, _touch: Any) -> None:
        self.session.touch(time.monotonic())

    def _tick(self, _dt: float) -> None:
        hdr = getattr(self, "root_header", None)
        if hdr is not None:
            hdr.clock_text = datetime.now(CHINA_TZ).strftime("%H:%M")
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
        self.pending_service = None
        self.theme.elderly = self.cfg.ui.elderly_mode
        self.go(to)

    # -- work off the main thread ---------------------------------------------------------
    def run_task(self, work: Callable[[], Any], on_done: Callable[[Any], None],
                 on_error: Callable[[str], None] | None = None, busy_text: str | None = None,
                 on_cancel: Callable[[], None] | None = None) -> None:
        """Run `work` in a thread; hand the result back on Kivy's main thread.

        A screen never waits on the network or a device: a busy overlay shows progress
        and can be cancelled, after which the late result is dropped.
        """
        self._task_generation += 1
        generation = self._task_generation
        if busy_text:
            self._busy = BusyOverlay(text=busy_text)

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
            except (FlowError, PlatformError) as exc:
                message = exc.message
                finish(lambda: (on_error or self.show_message)(message))
            except DeviceError as exc:
                message = getattr(exc, "message", None) or "设备故障，请联系工作人员。"
                log.warning("device error: %s", type(exc).__name__)
                finish(lambda: (on_error or self.show_message)(message))
            else:
                finish(lambda: on_done(result))

        threading.Thread(target=target, daemon=True, name="kiosk-task").start()

    def show_message(self, text: str, button_text: str = "知道了") -> MessageDialog:
        dialog = MessageDialog(text=text, button_text=button_text)
        dialog.open()
        return dialog
