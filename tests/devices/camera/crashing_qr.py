"""A QR decoder that dies or hangs on marked frames, as a crash in OpenCV would (os.abort is
what glibc does on a double free); every other frame goes to the real `decode_qr`."""

from __future__ import annotations

import os
import signal
import time

import numpy as np

from devices.camera.base import Frame
from devices.camera.qr import decode_qr

ABORT, SEGV, HANG, RAISE = 11, 13, 17, 19
SIDE = 40


def marked(how: int) -> Frame:
    """A plain 40×40 frame of value `how`: the marker `decode_or_crash` acts on."""
    return np.full((SIDE, SIDE, 3), how, np.uint8)


def decode_or_crash(frame: Frame) -> list[str]:
    if frame.shape == (SIDE, SIDE, 3) and bool((frame == frame.flat[0]).all()):
        how = int(frame.flat[0])
        if how == ABORT:
            os.abort()
        if how == SEGV:
            os.kill(os.getpid(), signal.SIGSEGV)
        if how == HANG:
            time.sleep(3600)  # stuck in native code, as far as the app can tell
        if how == RAISE:
            raise KeyError("an exception decode_qr does not document")
    return decode_qr(frame)
