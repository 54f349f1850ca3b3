"""Face screen: a mirrored live preview, the reason in big plain Chinese, an attempt counter,
and always "不刷脸，请工作人员核验" (a staff PIN).

The check itself: flows/identify/face_session.py."""

from __future__ import annotations

import threading
from typing import Any

from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.flows.identify.face_check import FaceState
from kiosk.flows.identify.face_session import FaceSession
from kiosk.flows.identify.flow import IdentifyFlow
from kiosk.identity import VerifiedBy
from kiosk.screens.base import TaskScreen
from kiosk.texts import text

PREVIEW_FPS = 10.0
#: How long "核验通过" stays on screen before the service opens.
PASSED_PAUSE_S = 0.8


class StaffPinDialog(ModalView):
    """Staff type their PIN on the kiosk after comparing the resident with the card by eye."""

    dots = StringProperty("")
    message = StringProperty("")
    locked = BooleanProperty(False)
    screen = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pin = ""

    def key(self, key_text: str) -> None:
        if self.locked:
            return
        if key_text == text("face.pin_clear"):  # the label in face.kv
            self._pin = ""
        elif key_text.isdigit() and len(self._pin) < 12:
            self._pin += key_text
        self.dots = "●" * len(self._pin)

    def submit(self) -> None:
        pin, self._pin, self.dots = self._pin, "", ""
        if self.screen is not None:
            self.screen.staff_pin_entered(self, pin)

    def on_dismiss(self) -> None:
        self._pin = ""


class FaceScreen(TaskScreen):
    name_masked = StringProperty("")
    message = StringProperty("")
    step = StringProperty("looking")
    attempt_text = StringProperty("")
    can_retry = BooleanProperty(False)
    #: Set by the dev panel when it mounts its simulated-camera buttons here.
    demo = BooleanProperty(False)
    preview = ObjectProperty(None, allownone=True)
    progress = NumericProperty(0)

    __events__ = ("on_retry",)  # the dev panel clears the demo's queued face on a retry

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._face: FaceSession | None = None
        self._dialog: StaffPinDialog | None = None
        self._latest: Any = None
        self._frame_lock = threading.Lock()
        self._show_frame = Clock.create_trigger(self._blit, 1.0 / PREVIEW_FPS)
        self._show_state = Clock.create_trigger(self._render, 0)
        self._pending: FaceState | None = None

    @property
    def face(self) -> FaceSession | None:
        """The running face check (the dev panel reads its challenge)."""
        return self._face

    # -- entering and leaving ---------------------------------------------------------------
    def on_pre_enter(self, *_args: Any) -> None:
        flow = self.flow
        self._face = flow.face if isinstance(flow, IdentifyFlow) else None
        if self._face is None:
            return
        self.name_masked = self._face.name_masked
        if self._face.state is not None:
            self._render_state(self._face.state)

    def on_enter(self, *_args: Any) -> None:
        if self._face is not None:
            self._face.start(self._on_frame, self._state_changed)

    def on_leave(self, *_args: Any) -> None:
        # Left by 返回 or 首页 before a pass: nothing of this resident stays behind either.
        if self._face is not None:
            self._face.stop()
        self.wipe()

    # -- worker → main thread ---------------------------------------------------------------
    def _on_frame(self, frame: Any, state: FaceState) -> None:
        import cv2
        with self._frame_lock:
            # Mirrored (like a mirror) and upside down for Kivy's bottom-up texture rows.
            self._latest = cv2.flip(frame, -1)
        self._show_frame()
        self._state_changed(state)

    def _state_changed(self, state: FaceState) -> None:
        self._pending = state
        self._show_state()

    def _blit(self, _dt: float) -> None:
        with self._frame_lock:
            frame, self._latest = self._latest, None
        if frame is None or not self.shown:
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
        # A camera or platform that is down used up no try: no counter to show then.
        self.attempt_text = "" if state.step == "unavailable" else \
            text("face.attempt", used=state.try_number, total=state.max_attempts)
        if state.step == "passed":
            Clock.schedule_once(lambda _dt: self._done("face"), PASSED_PAUSE_S)

    # -- the resident's buttons -------------------------------------------------------------
    def retry(self) -> None:
        self.dispatch("on_retry")
        if self._face is not None:
            state = self._face.retry()
            if state is not None:
                self._render_state(state)

    def on_retry(self) -> None:
        pass

    def ask_staff(self) -> None:
        staff = self._face.staff if self._face is not None else None
        if staff is None or not staff.configured:
            self.ctx.ui.message(text("face.ask_staff"))
            return
        self._dialog = StaffPinDialog(screen=self)
        if staff.tries_left == 0:
            self._dialog.locked = True
            self._dialog.message = staff.locked_message()
        self._dialog.open()

    def staff_pin_entered(self, dialog: StaffPinDialog, pin: str) -> None:
        result = self._face.staff_pin(pin) if self._face is not None else None
        if result is None:
            return
        dialog.message = result.message
        dialog.locked = result.outcome in ("locked", "not-configured")
        if result.approved:
            self._close_dialog()
            self._done("staff")

    def _close_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.dismiss()
            self._dialog = None

    def _done(self, how: VerifiedBy) -> None:
        flow = self.flow
        if not self.shown or not isinstance(flow, IdentifyFlow) or self._face is None:
            return
        flow.face_confirmed(how)
        self._face = None
        if flow.identity is not None:
            self.ctx.nav.identified(flow.identity)

    def wipe(self) -> None:
        """Session end: every frame, the identity and the name go."""
        self._close_dialog()
        self._face = None
        with self._frame_lock:
            self._latest = None
        self._pending = None
        if self.preview is not None:
            # Overwrite the last picture of the face in video memory, not only drop the handle.
            w, h = self.preview.size
            self.preview.blit_buffer(b"\x00" * (w * h * 3), colorfmt="bgr", bufferfmt="ubyte")
        self.preview = None
        self.name_masked = ""
        self.message = ""
        self.attempt_text = ""
