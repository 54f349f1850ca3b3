"""Face screen: a mirrored live preview, the reason in big plain Chinese, an attempt counter,
and always "不刷脸，请工作人员核验" (a staff PIN instead of the face). Logic: flows/face_check.py."""

from __future__ import annotations

import logging
import threading
from typing import Any

from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import Screen

from devices.base import DeviceError, DeviceState
from devices.camera.verify import LocalFaceVerifier
from devices.events import DeviceEvent
from services.identity import IdentityService
from services.privacy import mask_name

from kiosk.flows.identify.face_check import FaceCheck, FaceState, watch
from kiosk.flows.identify.face_verifiers import make_verifier
from kiosk.flows.identify.staff_check import StaffCheck
from kiosk.widgets import app

log = logging.getLogger("kiosk.face")
PREVIEW_FPS = 10.0
_staff_assisted = 0  # a count for the log; never who


class StaffPinDialog(ModalView):
    """Staff type their PIN on the kiosk after comparing the resident with the card by eye."""

    dots = StringProperty("")
    message = StringProperty("")
    locked = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pin = ""

    def key(self, text: str) -> None:
        if self.locked:
            return
        if text == "清除":
            self._pin = ""
        elif text.isdigit() and len(self._pin) < 12:
            self._pin += text
        self.dots = "●" * len(self._pin)

    def submit(self) -> None:
        pin, self._pin, self.dots = self._pin, "", ""
        if self.screen is not None:
            self.screen.staff_pin_entered(self, pin)

    def on_dismiss(self) -> None:
        self._pin = ""


class FaceScreen(Screen):
    name_masked = StringProperty("")
    message = StringProperty("")
    step = StringProperty("looking")
    attempt_text = StringProperty("")
    can_retry = BooleanProperty(False)
    demo = BooleanProperty(False)
    preview = ObjectProperty(None, allownone=True)
    progress = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._check: FaceCheck | None = None
        self._staff: StaffCheck | None = None
        self._dialog: StaffPinDialog | None = None
        self._run = 0  # bumps when a watch loop must stop (left, wiped, restarted)
        self._latest: Any = None
        self._frame_lock = threading.Lock()
        self._sub: Any = None
        self._show_frame = Clock.create_trigger(self._blit, 1.0 / PREVIEW_FPS)
        self._show_state = Clock.create_trigger(self._render, 0)
        self._pending: FaceState | None = None

    # -- entering ---------------------------------------------------------------------------
    def begin(self, identity: Any) -> None:
        """Called by the identify screen before it switches here."""
        kiosk = app()
        cfg = kiosk.cfg.face_check
        local = LocalFaceVerifier() if cfg.backend == "local" or (
            cfg.backend == "auto" and LocalFaceVerifier.is_usable()) else None
        verifier = make_verifier(cfg.backend, IdentityService(kiosk.client), local)
        self._check = FaceCheck(identity, verifier if kiosk.devices.camera else None,
                                max_attempts=cfg.max_attempts)
        self._staff = StaffCheck(kiosk.cfg.terminal.staff_pin_sha256, cfg.staff_pin_tries)
        self.name_masked = mask_name(identity.name)
        self._render_state(self._check.state)

    def on_enter(self, *_args: Any) -> None:
        kiosk = app()
        camera = kiosk.devices.camera
        self.demo = bool(kiosk.cfg.ui.demo and hasattr(camera, "queue_frames"))
        if camera is not None and hasattr(camera, "subscribe"):
            self._sub = camera.subscribe(self._camera_event)
        self._start()

    def on_leave(self, *_args: Any) -> None:
        if self._sub is not None:
            self._sub.cancel()
            self._sub = None
        # Left by 返回 or 首页 before a pass: nothing of this resident stays behind either.
        self.wipe()

    def _start(self) -> None:
        check, camera = self._check, app().devices.camera
        if check is None or check.state.finished:
            return
        self._run += 1
        run = self._run

        def work() -> None:
            if camera.status().state in (DeviceState.OFFLINE, DeviceState.ERROR):
                try:
                    camera.open()  # replugged since start-up?
                except DeviceError as exc:
                    log.warning("camera not opened: %s", exc.reason)
            watch(camera, check, stop=lambda: run != self._run,
                  on_frame=lambda frame, state: self._on_frame(run, frame, state))
            self._state_changed(run, check.state)

        threading.Thread(target=work, daemon=True, name="face-check").start()

    # -- worker → main thread ---------------------------------------------------------------
    def _on_frame(self, run: int, frame: Any, state: FaceState) -> None:
        if run != self._run:
            return
        import cv2
        with self._frame_lock:
            # Mirrored (like a mirror) and upside down for Kivy's bottom-up texture rows.
            self._latest = cv2.flip(frame, -1)
        self._show_frame()
        self._state_changed(run, state)

    def _state_changed(self, run: int, state: FaceState) -> None:
        if run == self._run:
            self._pending = state
            self._show_state()

    def _blit(self, _dt: float) -> None:
        with self._frame_lock:
            frame, self._latest = self._latest, None
        if frame is None or self.manager is None or self.manager.current != self.name:
            return
        h, w = frame.shape[:2]
        if self.preview is None or tuple(self.preview.size) != (w, h):
            self.preview = Texture.create(size=(w, h), colorfmt="bgr")
        self.preview.blit_buffer(frame.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        self.ids.camera_view.canvas.ask_update()

    def _render(self, _dt: float) -> None:
        if self._pending is not None:
            self._render_state(self._pending)

    def _render_state(self, state: FaceState) -> None:
        self.step = state.step
        self.message = state.message
        self.can_retry = state.can_retry
        used = min(state.attempt + (0 if state.finished or state.can_retry else 1),
                   state.max_attempts)
        # A camera or platform that is down used up no try: no counter to show then.
        self.attempt_text = "" if state.step == "unavailable" else \
            f"第 {max(used, 1)} 次，共 {state.max_attempts} 次"
        if state.step == "passed" and self._check is not None:
            identity = self._check.identity
            Clock.schedule_once(lambda _dt: self._done(identity, "face"), 0.8)

    def _camera_event(self, event: DeviceEvent) -> None:
        # On the bus thread: the camera went away or came back while the resident waits.
        check, run = self._check, self._run
        if check is None:
            return
        if event.kind == "camera-offline" and event.detail != "closed":
            self._state_changed(run, check.camera_down())
        elif event.kind == "camera-online":
            self._state_changed(run, check.state)

    # -- the resident's buttons -------------------------------------------------------------
    def retry(self) -> None:
        camera = app().devices.camera
        if self.demo and hasattr(camera, "clear_queue"):
            camera.clear_queue()  # the demo's face from the last try is not shown again
        if self._check is not None and self._check.retry().step == "looking":
            self._render_state(self._check.state)
            self._start()

    def demo_face(self, stranger: bool) -> None:
        from kiosk.devtools.faces import show_face
        if self._check is not None and not show_face(app().devices.camera,
                                                     self._check.challenge, stranger):
            app().show_message("演示照片不可用（需要 scikit-image）。")

    def ask_staff(self) -> None:
        if self._staff is None or not self._staff.configured:
            app().show_message("请按服务台的呼叫按钮，或到人工窗口。\n工作人员会核验您的身份并"
                               "协助办理，不需要刷脸。")
            return
        self._dialog = StaffPinDialog(screen=self)
        if self._staff.tries_left == 0:
            self._dialog.locked = True
            self._dialog.message = "密码错误次数过多，已停止输入。请到人工窗口办理。"
        self._dialog.open()

    def staff_pin_entered(self, dialog: StaffPinDialog, pin: str) -> None:
        if self._staff is None or self._check is None:
            return
        result = self._staff.check(pin)
        dialog.message = result.message
        dialog.locked = result.outcome in ("locked", "not-configured")
        if result.approved:
            global _staff_assisted
            _staff_assisted += 1
            log.info("identity confirmed by staff instead of the face (%d since start)",
                     _staff_assisted)
            self._close_dialog()
            self._done(self._check.identity, "staff")

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.dismiss()
            self._dialog = None

    def _done(self, identity: Any, how: str) -> None:
        if identity is None or self.manager is None or self.manager.current != self.name:
            return
        self._run += 1
        kiosk = app()
        kiosk.session.verified_by = how
        self._forget()
        kiosk.identified(identity)

    def _forget(self) -> None:
        if self._check is not None:
            self._check.wipe()
        self._check = None
        self._staff = None
        with self._frame_lock:
            self._latest = None
        self._pending = None
        if self.preview is not None:
            # Overwrite the last picture of the face in video memory, not only drop the handle.
            w, h = self.preview.size
            self.preview.blit_buffer(b"\x00" * (w * h * 3), colorfmt="bgr", bufferfmt="ubyte")
        self.preview = None

    def wipe(self) -> None:
        """Session end: every frame, the identity and the name go."""
        self._run += 1
        self._close_dialog()
        self._forget()
        self.name_masked = ""
        self.message = ""
        self.attempt_text = ""
