"""FaceSession: one resident's face check on the camera, with staff confirmation as the way out.

It runs the camera loop on a worker thread (`watch`), follows camera events, counts tries and
staff PINs. The face screen only blits the frames it is handed and renders `state`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from devices.base import DeviceError, DeviceState
from devices.camera.base import Camera, Frame
from devices.events import DeviceEvent
from devices.idcard.base import IdentityDocument
from services.privacy import mask_name

from .face_check import FaceCheck, FaceState, FaceVerifyPort, watch
from .staff_check import StaffCheck, StaffResult

log = logging.getLogger(__name__)
_staff_assisted = 0  # a count for the log; never who

FrameListener = Callable[[Frame, FaceState], None]
StateListener = Callable[[FaceState], None]


class FaceSession:
    """The face check of one card read. Listeners are called from worker threads."""

    def __init__(self, document: IdentityDocument, *, camera: Camera | None,
                 verifier: FaceVerifyPort | None, max_attempts: int, staff: StaffCheck) -> None:
        self.document: IdentityDocument | None = document
        self._camera = camera
        self.check: FaceCheck | None = FaceCheck(document, verifier if camera else None,
                                                 max_attempts=max_attempts)
        self.staff: StaffCheck | None = staff
        self._run = 0  # bumps when a watch loop must stop (left, wiped, restarted)
        self._sub: Any = None
        self._on_frame: FrameListener = lambda _f, _s: None
        self._on_state: StateListener = lambda _s: None

    @property
    def state(self) -> FaceState | None:
        return self.check.state if self.check is not None else None

    @property
    def name_masked(self) -> str:
        return mask_name(self.document.name) if self.document is not None else ""

    def start(self, on_frame: FrameListener, on_state: StateListener) -> None:
        """Watch the camera until a try ends; `on_frame` gets each frame for the preview."""
        self._on_frame, self._on_state = on_frame, on_state
        camera = self._camera
        if camera is not None and self._sub is None and hasattr(camera, "subscribe"):
            self._sub = camera.subscribe(self._camera_event)
        self._watch()

    def _watch(self) -> None:
        check, camera = self.check, self._camera
        if check is None or camera is None or check.state.finished:
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
                  on_frame=lambda frame, state: self._frame(run, frame, state))
            if run == self._run:
                self._on_state(check.state)

        threading.Thread(target=work, daemon=True, name="face-check").start()

    def _frame(self, run: int, frame: Frame, state: FaceState) -> None:
        if run == self._run:
            self._on_frame(frame, state)

    def _camera_event(self, event: DeviceEvent) -> None:
        # On the bus thread: the camera went away or came back while the resident waits.
        check = self.check
        if check is None:
            return
        if event.kind == "camera-offline" and event.detail != "closed":
            self._on_state(check.camera_down())
        elif event.kind == "camera-online":
            self._on_state(check.state)

    def retry(self) -> FaceState | None:
        if self.check is None:
            return None
        state = self.check.retry()
        if state.step == "looking":
            self._watch()
        return state

    def staff_pin(self, pin: str) -> StaffResult | None:
        """A staff member's PIN instead of the face; approved ends the check."""
        if self.staff is None or self.check is None:
            return None
        result = self.staff.check(pin)
        if result.approved:
            global _staff_assisted
            _staff_assisted += 1
            log.info("identity confirmed by staff instead of the face (%d since start)",
                     _staff_assisted)
            self._run += 1
        return result

    def stop(self) -> None:
        """The screen was left: the camera loop and the event subscription end."""
        self._run += 1
        if self._sub is not None:
            self._sub.cancel()
            self._sub = None

    def wipe(self) -> None:
        """Session end: every frame and the identity go."""
        self.stop()
        if self.check is not None:
            self.check.wipe()
        self.check = None
        self.staff = None
        self.document = None
        self._on_frame = lambda _f, _s: None
        self._on_state = lambda _s: None
