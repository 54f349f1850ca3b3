"""A simulated camera for the demo and development: scripted frames and scripted failures.

`simulated_camera()` returns the camera, which offers only what a real camera offers (the app
gets it), and its control handle, which queues frames and scripts faults (tests and the demo's
developer panel get it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from devices.base import DeviceError, DeviceOffline, DeviceState, DeviceStatus, DeviceTimeout
from devices.camera.base import CameraBusy, Frame, StatusEvents, as_frame
from devices.events import Listener, Subscription


def placeholder_frame(width: int = 640, height: int = 480) -> Frame:
    """A grey test card, so that a preview shows something without a camera."""
    import cv2
    import numpy as np
    frame = np.full((height, width, 3), 96, dtype=np.uint8)
    cv2.putText(frame, "SIMULATED CAMERA", (width // 10, height // 2), cv2.FONT_HERSHEY_SIMPLEX,
                width / 640, (230, 230, 230), 2, cv2.LINE_AA)
    return frame


class _SimulatedCameraHardware:
    """The simulated camera's state, shared by the camera and its control handle."""

    def __init__(self, loop: list[Frame]) -> None:
        self.loop = loop
        self.next: list[Frame] = []
        self.pos = 0
        self.open = False
        self.busy = False
        self.fail: DeviceError | None = None
        self.status = DeviceStatus(DeviceState.OFFLINE, "closed")
        self.lock = threading.Lock()
        self.frames_read = 0
        self.events = StatusEvents("simulated")


class SimulatedCamera:
    """Plays `frames` (or images read from `image_files`) in a loop.

    Frames to show next, a busy camera, a lasting fault or one failed read are scripted through
    a `SimulatedCameraControl` (see `simulated_camera()`), never through the camera.
    """

    capabilities: frozenset[str] = frozenset({"frames", "face", "qr", "document", "simulated"})

    def __init__(self, frames: Sequence[Frame] | None = None,
                 image_files: Sequence[str] | None = None, fps: float = 15.0) -> None:
        # Paced like a real camera: a QR scan loop must not spin a core on the simulator.
        self._frame_interval = 1.0 / fps if fps > 0 else 0.0
        loaded = [as_frame(f) for f in frames or ()]
        for name in image_files or ():
            loaded.append(_load(name))
        # Without pictures the loop is the test card, drawn at the first read: numpy and
        # OpenCV stay out of the terminal's start (issue 11).
        self._hw = _SimulatedCameraHardware(loaded)

    @classmethod
    def is_usable(cls) -> bool:
        return True

    def open(self) -> None:
        hw = self._hw
        with hw.lock:
            if hw.busy:
                raise CameraBusy("the simulated camera is scripted as busy")
            if hw.status.state is DeviceState.OFFLINE and hw.status.reason != "closed":
                raise DeviceOffline(hw.status.detail or "simulated camera offline",
                                    reason=hw.status.reason or "offline")
            hw.open = True
            hw.status = status = DeviceStatus(DeviceState.ONLINE)
        hw.events.update(status)

    def close(self) -> None:
        hw = self._hw
        with hw.lock:
            hw.open = False
            hw.status = status = DeviceStatus(DeviceState.OFFLINE, "closed")
        hw.events.update(status)

    def status(self) -> DeviceStatus:
        hw = self._hw
        with hw.lock:
            if hw.busy:
                return DeviceStatus(DeviceState.BUSY, "busy", "held by another program")
            return hw.status

    def subscribe(self, listener: Listener) -> Subscription:
        """camera-online / camera-offline as `open`, `close` and the control's `set_status`
        change it."""
        return self._hw.events.subscribe(listener)

    def read(self, timeout: float = 2.0) -> Frame:
        if self._frame_interval:
            time.sleep(min(self._frame_interval, max(timeout, 0.0)))
        hw = self._hw
        with hw.lock:
            if hw.busy:
                raise CameraBusy("the simulated camera is scripted as busy")
            if hw.fail is not None:
                error, hw.fail = hw.fail, None
                raise error
            if not hw.open:
                raise DeviceOffline("camera is not open", reason="closed")
            if hw.status.state is DeviceState.ERROR:
                raise DeviceTimeout(hw.status.detail or "no frames",
                                    reason=hw.status.reason or "no-frames")
            hw.frames_read += 1
            if hw.next:
                return hw.next.pop(0).copy()
            if not hw.loop:
                hw.loop.append(placeholder_frame())
            frame = hw.loop[hw.pos % len(hw.loop)]
            hw.pos += 1
            return frame.copy()

    def diagnostics(self) -> dict[str, Any]:
        hw = self._hw
        with hw.lock:
            frames, frames_read = len(hw.loop) or 1, hw.frames_read  # 1: the test card
        return {"backend": "simulated", "frames": frames, "frames_read": frames_read,
                "status": self.status().state.value}


class SimulatedCameraControl:
    """Scripts a `SimulatedCamera`: what it shows next and how it fails. For tests and the
    demo's developer panel, never for the app's screens."""

    def __init__(self, camera: SimulatedCamera) -> None:
        self._hw = camera._hw

    def queue_frames(self, frames: Sequence[Frame]) -> None:
        """Frames to show next, before the loop resumes (e.g. a QR code, then a face)."""
        hw = self._hw
        with hw.lock:
            hw.next.extend(as_frame(f) for f in frames)

    def clear_queue(self) -> None:
        """Drop frames queued but not shown yet (the demo's person steps away)."""
        hw = self._hw
        with hw.lock:
            hw.next.clear()

    def set_status(self, state: DeviceState, reason: str | None = None, detail: str = "") -> None:
        """A lasting condition: ERROR makes read() raise DeviceTimeout, OFFLINE (with a reason
        other than "closed") makes open() raise DeviceOffline; subscribers are told."""
        hw = self._hw
        with hw.lock:
            hw.status = status = DeviceStatus(state, reason, detail)
        hw.events.update(status)

    def set_busy(self, busy: bool) -> None:
        """While busy, open() and read() raise CameraBusy (another program holds the camera)."""
        hw = self._hw
        with hw.lock:
            hw.busy = busy

    def fail_next(self, error: DeviceError) -> None:
        """Make the next read() raise `error`."""
        hw = self._hw
        with hw.lock:
            hw.fail = error

    @property
    def frames_read(self) -> int:
        """How many frames the camera has handed out so far."""
        hw = self._hw
        with hw.lock:
            return hw.frames_read

    def flush_events(self, timeout: float = 5.0) -> bool:
        """Wait until the events published so far reached the camera's subscribers."""
        return self._hw.events.flush(timeout)


def simulated_camera(image_files: Sequence[str] = (), *, frames: Sequence[Frame] | None = None,
                     fps: float = 15.0) -> tuple[SimulatedCamera, SimulatedCameraControl]:
    """A simulated camera (for the app) and its control handle (for tests and the demo)."""
    camera = SimulatedCamera(frames=frames, image_files=image_files, fps=fps)
    return camera, SimulatedCameraControl(camera)


def _load(name: str) -> Frame:
    import cv2
    if not Path(name).is_file():
        raise DeviceOffline(f"no such image: {name}", reason="not-found")
    image = cv2.imread(name, cv2.IMREAD_COLOR)
    if image is None:
        raise DeviceOffline(f"not an image: {name}", reason="unsupported-format")
    return as_frame(image)
