"""QR decoding in a worker process of its own: a crash or a hang in OpenCV costs one frame."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any

from devices.camera.base import BadImage, Frame, as_frame
from devices.camera.qr import QrDecoderCrashed, decode_qr

log = logging.getLogger(__name__)

#: A frame in, the texts of its QR codes out (`decode_qr`'s signature).
Decode = Callable[[Frame], list[str]]

#: Seconds one frame may take in the worker. A decode takes 4–30 ms (up to four OpenCV
#: passes); a hundred times that on a loaded terminal is still far below this, so past it the
#: worker is stuck in native code and is killed.
FRAME_DEADLINE = 3.0
#: Seconds a new worker may take to be ready: a fresh interpreter importing numpy and OpenCV
#: (~0.5 s on a quiet 2-core terminal).
START_DEADLINE = 30.0


def _serve(conn: Connection, decode: Decode) -> None:
    """The worker's loop: a frame's shape, then its bytes; the answer back; until EOF."""
    import numpy as np
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the app, which stops us
    buf = bytearray()
    conn.send(("ready", os.getpid()))
    while True:
        try:
            shape = conn.recv()
            if shape is None:
                return
            size = int(np.prod(shape))
            if len(buf) < size:
                buf = bytearray(size)
            conn.recv_bytes_into(buf)
        except (EOFError, OSError):  # the app is gone
            return
        # Over the received bytes, no copy; a bytearray, so OpenCV gets a writable array.
        frame = np.frombuffer(buf, np.uint8, size).reshape(shape)
        reply: tuple[str, Any]
        try:
            reply = ("ok", decode(frame))
        except BadImage as exc:
            reply = ("bad-image", str(exc))
        except Exception as exc:  # noqa: BLE001  # named to the app; the worker lives on
            reply = ("failed", type(exc).__name__)
        conn.send(reply)


class IsolatedQrDecoder:
    """`decode_qr` run in one long-lived worker process, restarted when it dies or hangs.

    Call it like `decode_qr`: a frame in, the texts out, `BadImage` for what is not a frame.
    A frame on which the worker dies (a crash in native code) or that takes longer than
    `deadline` seconds raises `QrDecoderCrashed` (reasons `qr-decoder-crashed`,
    `qr-decoder-hung`); a new worker is started at once for the next frame. Thread-safe:
    frames from several threads are decoded one after the other. `decode` must be a
    module-level function (it is sent to the worker by name).
    """

    def __init__(self, decode: Decode = decode_qr, *, deadline: float = FRAME_DEADLINE,
                 start_deadline: float = START_DEADLINE) -> None:
        self._decode = decode
        self._deadline = deadline
        self._start_deadline = start_deadline
        # spawn, never fork: the app runs threads (Kivy, devices, sync), and a forked copy of a
        # process with threads can deadlock in its first OpenCV call. (forkserver would restart
        # faster but preloads the app's __main__; a restart is rare, spawn is plain.)
        self._mp = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._proc: BaseProcess | None = None
        self._conn: Connection | None = None
        self._pid: int | None = None  # set once the worker said it is ready
        #: Workers started after the first one (each after a crash, a hang or a lost worker).
        self.restarts = 0
        self._started = 0
        self._closed = False

    # -- the caller's side ------------------------------------------------------------------
    def __call__(self, image: Frame) -> list[str]:
        import numpy as np  # here, not at import: the app's start does not load numpy
        frame = np.ascontiguousarray(as_frame(image))  # BadImage here, as decode_qr raises it
        with self._lock:
            conn = self._ready()
            try:
                conn.send(frame.shape)
                conn.send_bytes(frame.reshape(-1).data)  # flat: Connection slices it
            except OSError:  # it died between the shape and the bytes: on this frame
                raise self._lost("qr-decoder-crashed") from None
            if not conn.poll(self._deadline):
                raise self._lost("qr-decoder-hung")
            try:
                kind, value = conn.recv()
            except (EOFError, OSError):  # the worker died on this frame
                raise self._lost("qr-decoder-crashed") from None
        if kind == "ok":
            return list(value)
        if kind == "bad-image":
            raise BadImage(str(value))
        # An exception decode_qr does not document: a bug, named in the log; the scan goes on.
        log.error("QR decoder raised %s", value)
        raise QrDecoderCrashed(f"the QR decoder raised {value}", reason="qr-decoder-failed")

    @property
    def pid(self) -> int | None:
        """The process id of the worker that is ready now (None before the first frame)."""
        return self._pid

    def start(self) -> None:
        """Start the worker now, without waiting for it (the first frame would start it)."""
        with self._lock:
            if self._proc is None:
                self._spawn()

    def close(self) -> None:
        """Stop the worker for good; a frame after this raises QrDecoderCrashed
        (`qr-decoder-closed`). A frame being decoded is given its deadline to finish."""
        self._closed = True
        if not self._lock.acquire(timeout=self._deadline + 1.0):
            # A decode past its deadline still holds the lock (it cannot happen unless the
            # deadline is broken): end the worker under it, that call then fails on its own.
            proc = self._proc
            if proc is not None:
                proc.kill()
            return
        try:
            proc, conn = self._proc, self._conn
            self._proc = self._conn = self._pid = None
            if conn is not None:
                try:
                    conn.send(None)
                except OSError:
                    pass
                conn.close()
            if proc is not None:
                proc.join(2.0)
                if proc.is_alive():
                    proc.kill()
                    proc.join()
        finally:
            self._lock.release()

    def __enter__(self) -> IsolatedQrDecoder:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    # -- the worker's lifetime (every method below runs under self._lock) -------------------
    def _spawn(self) -> None:
        if self._closed:
            raise QrDecoderCrashed("the QR decoder is closed", reason="qr-decoder-closed")
        ours, theirs = self._mp.Pipe(duplex=True)
        proc = self._mp.Process(target=_serve, args=(theirs, self._decode),
                                name="qr-decoder", daemon=True)
        proc.start()
        # Our copy of the worker's end must go, or its death would never read as EOF here.
        theirs.close()
        self._proc, self._conn, self._pid = proc, ours, None
        if self._started:
            self.restarts += 1
        self._started += 1

    def _ready(self) -> Connection:
        if self._proc is not None and not self._proc.is_alive():
            # Died between frames (killed from outside, out of memory): no frame was lost.
            log.warning("QR decoder worker had exited (%s); starting a new one",
                        self._proc.exitcode)
            self._reap()
        if self._proc is None:
            self._spawn()
        assert self._conn is not None
        if self._pid is None:
            try:
                ok = self._conn.poll(self._start_deadline)
                said = self._conn.recv() if ok else None
            except (EOFError, OSError):
                said = None
            if said is None:
                self._reap()
                raise QrDecoderCrashed("the QR decoder did not start",
                                       reason="qr-decoder-not-started")
            self._pid = int(said[1])
        return self._conn

    def _lost(self, reason: str) -> QrDecoderCrashed:
        """The worker died or hung on the frame in hand: kill it, start the next one now."""
        proc = self._proc
        self._reap()
        code = proc.exitcode if proc is not None else None
        log.warning("QR decoder worker %s on a frame (exit code %s); restarting",
                    "hung" if reason == "qr-decoder-hung" else "died", code)
        if not self._closed:
            self._spawn()  # starts loading OpenCV while the caller handles this frame's error
        what = "took too long" if reason == "qr-decoder-hung" else "crashed"
        return QrDecoderCrashed(f"the QR decoder {what} on this frame", reason=reason)

    def _reap(self) -> None:
        proc, conn = self._proc, self._conn
        self._proc = self._conn = self._pid = None
        if conn is not None:
            conn.close()
        if proc is not None:
            if proc.is_alive():
                proc.kill()
            proc.join()
