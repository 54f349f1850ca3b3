"""A simulated camera for the demo and development: scripted frames and scripted failures."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from devices.base import DeviceError, DeviceOffline, DeviceState, DeviceStatus, DeviceTimeout
from devices.camera.base import CameraBusy, Frame, StatusEvents, as_frame
from devices.events import Listener, Subscription


def placeholder_frame(width: int = 640, height: int = 480) -> Frame:
    """A grey test card, so that a preview shows something without a camera."""
    import cv2
    frame = np.full((height, width, 3), 96, dtype=np.uint8)
    cv2.putText(frame, "SIMULATED CAMERA", (width // 10, height // 2), cv2.FONT_HERSHEY_SIMPLEX,
                width / 640, (230, 230, 230), 2, cv2.LINE_AA)
    return frame


class SimulatedCamera:
    """Plays `frames` (or images read from `image_files`) in a loop.

    Scripting: `set_busy(True)` makes open() and read() raise CameraBusy (another program holds
    the camera); `set_status()` a lasting condition; `fail_next(error)` one failed read;
    `queue_frames()` frames to show next (e.g. a QR code, then a face).
    """

    capabilities: frozenset[str] = frozenset({"frames", "face", "qr", "document", "simulated"})

    def __init__(self, frames: Sequence[Frame] | None = None,
                 image_files: Sequence[str] | None = None, fps: float = 15.0) -> None:
        # Paced like a real camera: a QR scan loop must not spin a core on the simulator.
        self._frame_interval = 1.0 / fps if fps > 0 else 0.0
        loaded = [as_frame(f) for f in frames or ()]
        for name in image_files or ():
            loaded.append(_load(name))
        self._loop: list[Frame] = loaded or [placeholder_frame()]
        self._next: list[Frame] = []
        self._pos = 0
        self._open = False
        self._busy = False
        self._fail: DeviceError | None = None
        self._status = DeviceStatus(DeviceState.OFFLINE, "closed")
        self._lock = threading.Lock()
        self.frames_read = 0
        self._events = StatusEvents("simulated")

    @classmethod
    def is_usable(cls) -> bool:
        return True

    def open(self) -> None:
        with self._lock:
            if self._busy:
                raise CameraBusy("the simulated camera is scripted as busy")
            if self._status.state is DeviceState.OFFLINE and self._status.reason != "closed":
                raise DeviceOffline(self._status.detail or "simulated camera offline",
                                    reason=self._status.reason or "offline")
            self._open = True
            self._status = DeviceStatus(DeviceState.ONLINE)
        self._events.update(self._status)

    def close(self) -> None:
        with self._lock:
            self._open = False
            self._status = DeviceStatus(DeviceState.OFFLINE, "closed")
        self._events.update(self._status)

    def status(self) -> DeviceStatus:
        with self._lock:
            if self._busy:
                return DeviceStatus(DeviceState.BUSY, "busy", "held by another program")
            return self._status

    def set_status(self, state: DeviceState, reason: str | None = None, detail: str = "") -> None:
        with self._lock:
            self._status = DeviceStatus(state, reason, detail)
        self._events.update(self._status)

    def subscribe(self, listener: Listener) -> Subscription:
        """camera-online / camera-offline as `open`, `close` and `set_status` change it."""
        return self._events.subscribe(listener)

    def set_busy(self, busy: bool) -> None:
        with self._lock:
            self._busy = busy

    def fail_next(self, error: DeviceError) -> None:
        with self._lock:
            self._fail = error

    def queue_frames(self, frames: Sequence[Frame]) -> None:
        with self._lock:
            self._next.extend(as_frame(f) for f in frames)

    def clear_queue(self) -> None:
        """Drop frames queued but not shown yet (the demo's person steps away)."""
        with self._lock:
            self._next.clear()

    def read(self, timeout: float = 2.0) -> Frame:
        if self._frame_interval:
            time.sleep(min(self._frame_interval, max(timeout, 0.0)))
        with self._lock:
            if self._busy:
                raise CameraBusy("the simulated camera is scripted as busy")
            if self._fail is not None:
                error, self._fail = self._fail, None
                raise error
            if not self._open:
                raise DeviceOffline("camera is not open", reason="closed")
            if self._status.state is DeviceState.ERROR:
                raise DeviceTimeout(self._status.detail or "no frames",
                                    reason=self._status.reason or "no-frames")
            self.frames_read += 1
            if self._next:
                return self._next.pop(0).copy()
            frame = self._loop[self._pos % len(self._loop)]
            self._pos += 1
            return frame.copy()

    def diagnostics(self) -> dict[str, Any]:
        return {"backend": "simulated", "frames": len(self._loop),
                "frames_read": self.frames_read, "status": self.status().state.value}


def _load(name: str) -> Frame:
    import cv2
    if not Path(name).is_file():
        raise DeviceOffline(f"no such image: {name}", reason="not-found")
    image = cv2.imread(name, cv2.IMREAD_COLOR)
    if image is None:
        raise DeviceOffline(f"not an image: {name}", reason="unsupported-format")
    return as_frame(image)
