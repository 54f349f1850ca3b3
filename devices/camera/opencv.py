"""OpenCV camera backend: `cv2.VideoCapture` on a device index, a video file or a stream URL."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Any

from devices.base import DeviceOffline, DeviceState, DeviceStatus, DeviceTimeout
from devices.camera.base import CameraBusy, Frame, StatusEvents, as_frame, redact_source
from devices.events import Listener, Subscription

log = logging.getLogger(__name__)

# Sources opened by this process: a second open of the same source would fight over frames.
_held: set[str] = set()
_held_lock = threading.Lock()


def parse_source(source: int | str) -> int | str:
    """"0" or 0 → device index 0; anything else (path, /dev/videoN, rtsp://...) as given."""
    if isinstance(source, int):
        return source
    text = source.strip()
    if text.isdigit():
        return int(text)
    if not text:
        raise DeviceOffline("empty camera source", reason="bad-config")
    return text


def _is_url(source: int | str) -> bool:
    return isinstance(source, str) and "://" in source


class OpenCVCamera:
    """A camera through OpenCV. Each read runs on a daemon thread so that a stalled driver or
    stream gives DeviceTimeout instead of freezing the caller (the screen) or process exit."""

    capabilities: frozenset[str] = frozenset({"frames", "face", "qr", "document"})

    def __init__(self, source: int | str, *, width: int | None = None,
                 height: int | None = None, open_timeout: float = 10.0) -> None:
        self.source = parse_source(source)
        self.width = width
        self.height = height
        self.open_timeout = open_timeout
        self._cap: Any = None
        self._lock = threading.Lock()      # guards _cap and _status
        self._reading = threading.Lock()   # one read at a time; a second one is CameraBusy
        self._stuck: threading.Thread | None = None  # a read that never came back
        self._in_read = False  # a read thread is inside cap.read(); guarded by _lock
        self._status = DeviceStatus(DeviceState.OFFLINE, "closed", "not opened yet")
        self._frames = 0
        self._events = StatusEvents(redact_source(self.source))

    @classmethod
    def is_usable(cls) -> bool:
        try:
            import cv2  # noqa: F401
        except ImportError:
            return False
        return True

    @property
    def _key(self) -> str:
        return str(self.source)

    def subscribe(self, listener: Listener) -> Subscription:
        """camera-online when frames can be had, camera-offline (detail: reason) when not:
        closed, unplugged (device node or file gone), stalled, end of a file."""
        return self._events.subscribe(listener)

    def _node(self) -> str | None:
        """The filesystem path behind the source (a device node or a file); None for URLs."""
        if isinstance(self.source, int):
            return f"/dev/video{self.source}"
        return None if _is_url(self.source) else self.source

    def _vanished(self) -> bool:
        node = self._node()
        return node is not None and not os.path.exists(node)

    def _is_file(self) -> bool:
        return isinstance(self.source, str) and not _is_url(self.source) \
            and not self.source.startswith("/dev/")

    def open(self) -> None:
        import cv2
        with _held_lock:
            if self._key in _held and self._cap is None:
                raise CameraBusy(f"{redact_source(self.source)} is already open in this program")
            if self._cap is not None:
                return
            _held.add(self._key)
        try:
            cap = self._open_capture(cv2)
        except BaseException:
            with _held_lock:
                _held.discard(self._key)
            raise
        if self.width:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
        if self.height:
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        with self._lock:
            self._cap = cap
            self._stuck = None
            self._status = DeviceStatus(DeviceState.ONLINE)
        self._events.update(self._status)

    def _open_capture(self, cv2: Any) -> Any:
        src = self.source
        if self._is_file() and not Path(str(src)).is_file():
            raise DeviceOffline(f"no such video file: {src}", reason="not-found")
        node = f"/dev/video{src}" if isinstance(src, int) else str(src)
        if node.startswith("/dev/") and not os.path.exists(node):
            # Ask OpenCV only about devices that exist: it would print warnings and say less.
            raise DeviceOffline(f"no camera at {node}", reason="not-found")
        params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(self.open_timeout * 1000)]
        cap = cv2.VideoCapture(src, cv2.CAP_ANY, params)
        if cap.isOpened():
            return cap
        cap.release()
        raise self._why_not_open(src)

    def _why_not_open(self, src: int | str) -> Exception:
        # V4L2 answers EBUSY when another program streams from the device; OpenCV only says
        # "not opened", so tell busy apart from missing by looking at the device node.
        node = f"/dev/video{src}" if isinstance(src, int) else str(src)
        if node.startswith("/dev/"):
            if not os.path.exists(node):
                return DeviceOffline(f"no camera at {node}", reason="not-found")
            if not os.access(node, os.R_OK | os.W_OK):
                return DeviceOffline(f"no permission for {node} (add the user to group video)",
                                     reason="permission-denied")
            return CameraBusy(f"{node} exists but cannot be opened: another program uses it")
        if _is_url(src):
            return DeviceOffline(f"cannot open stream {redact_source(src)}",
                                 reason="unreachable")
        return DeviceOffline(f"cannot decode video file {src}", reason="unsupported-format")

    def close(self) -> None:
        self._drop("closed")

    def _drop(self, reason: str, detail: str = "") -> None:
        with self._lock:
            cap, self._cap = self._cap, None
            reading = self._in_read
            self._status = DeviceStatus(DeviceState.OFFLINE, reason, detail)
        self._events.update(self._status)
        if cap is None:
            return
        # Releasing a capture while a thread is inside its read() can crash the driver: that
        # thread releases it itself when (if ever) its read returns.
        if not reading:
            cap.release()
        with _held_lock:
            _held.discard(self._key)

    def status(self) -> DeviceStatus:
        with self._lock:
            is_open = self._cap is not None
        if is_open and self._vanished():
            # Unplugged (or the file deleted): OpenCV may go on serving buffered frames for a
            # while, so look at the node itself; the health poller learns it within a poll.
            self._drop("not-found", "the camera (or video file) is gone")
        with self._lock:
            return self._status

    def _set(self, state: DeviceState, reason: str | None = None, detail: str = "") -> None:
        status = DeviceStatus(state, reason, detail)
        with self._lock:
            self._status = status
        self._events.update(status)

    def read(self, timeout: float = 2.0) -> Frame:
        if not self._reading.acquire(blocking=False):
            raise CameraBusy("another read is in progress")
        try:
            return self._read(timeout)
        finally:
            self._reading.release()

    def _read(self, timeout: float) -> Frame:
        with self._lock:
            cap, stuck = self._cap, self._stuck
        if cap is None:
            raise DeviceOffline("camera is not open", reason="closed")
        if self._vanished():
            self._drop("not-found", "the camera (or video file) is gone")
            raise DeviceOffline("the camera is gone (unplugged?)", reason="not-found")
        if stuck is not None and stuck.is_alive():
            raise DeviceTimeout("the camera is still stuck in an earlier read: reopen it",
                                reason="no-frames")
        deadline = time.monotonic() + max(timeout, 0.0)
        self._set(DeviceState.BUSY, "reading")
        while True:
            ok, frame = self._grab(cap, max(deadline - time.monotonic(), 0.001), timeout)
            if ok and frame is not None and frame.size:
                self._frames += 1
                self._set(DeviceState.ONLINE)
                return as_frame(frame)
            if self._is_file():
                self._set(DeviceState.NO_MEDIA, "end-of-stream")
                raise DeviceTimeout("end of the video file", reason="end-of-stream")
            if time.monotonic() >= deadline:
                self._set(DeviceState.ERROR, "no-frames", "the camera delivers no frames")
                raise DeviceTimeout(f"no frame within {timeout:.1f} s", reason="no-frames")
            time.sleep(0.02)  # a live camera warming up: ask again shortly

    def _grab(self, cap: Any, wait: float, timeout: float) -> tuple[bool, Any]:
        result: list[tuple[bool, Any]] = []

        def work() -> None:
            import cv2
            try:
                result.append(cap.read())
            except cv2.error:
                result.append((False, None))
            with self._lock:
                self._in_read = False
                closed_meanwhile = self._cap is not cap
            if closed_meanwhile:
                cap.release()  # close() left the release to this thread

        worker = threading.Thread(target=work, name="camera-read", daemon=True)
        with self._lock:
            self._in_read = True
        worker.start()
        worker.join(wait)
        if worker.is_alive():
            with self._lock:
                self._stuck = worker
            self._set(DeviceState.ERROR, "stalled", "no frame within the timeout")
            raise DeviceTimeout(f"no frame within {timeout:.1f} s", reason="no-frames")
        return result[0] if result else (False, None)

    def diagnostics(self) -> dict[str, Any]:
        import cv2
        info: dict[str, Any] = {"backend": "opencv", "source": redact_source(self.source),
                                "opencv": cv2.__version__, "frames_read": self._frames,
                                "status": self.status().state.value}
        with self._lock:
            cap = self._cap
        if cap is not None:
            info["api"] = cap.getBackendName()
            info["width"] = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH))
            info["height"] = int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
            info["fps"] = round(float(cap.get(cv2.CAP_PROP_FPS)), 2)
        return info

    def __enter__(self) -> OpenCVCamera:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OpenCVCamera({redact_source(self.source)!r})"
