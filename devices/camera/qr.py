"""QR decoding with cv2.QRCodeDetector and the mobile-app login payload `JHZW1:<token>:<expiry>`."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from devices.base import DeviceError
from devices.camera.base import Camera, Frame, as_frame

#: Payload format of the city's app login code, version 1:
#:   JHZW1:<token>:<expiry>
#: token  = 16..128 characters of base64url (A-Z a-z 0-9 - _), opaque to the terminal; the
#:          platform exchanges it for the resident's identity;
#: expiry = Unix time in seconds (UTC) after which the code is refused.
PREFIX = "JHZW1"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
# [0-9], never \d: \d also matches Arabic-Indic and fullwidth digits, which int() reads.
_EXPIRY = re.compile(r"[0-9]{9,11}")
MAX_PAYLOAD = 512
#: The smallest QR code (version 1) is 21 modules a side: a frame narrower than that in
#: pixels holds none, and OpenCV raises cv2.error on some such frames (1 pixel high).
MIN_SIDE = 21


class QrDecoderCrashed(DeviceError):
    """The QR decoder's worker process died (`qr-decoder-crashed`), hung (`qr-decoder-hung`)
    or failed otherwise on a frame: that frame is lost, the next goes to a new worker. Tell the
    resident to show the code again, as for a code that could not be read."""

    default_reason = "qr-decoder-crashed"


class NoQrCode(DeviceError):
    """No readable QR code was seen before the timeout."""

    default_reason = "no-qr"


class QrPayloadMalformed(DeviceError):
    """A QR code was read but is not an app login code (another app's code, a URL, garbage)."""

    default_reason = "qr-malformed"


class QrPayloadExpired(DeviceError):
    """The app login code is past its expiry: the resident must refresh it in the app."""

    default_reason = "qr-expired"


@dataclass(frozen=True)
class AppLoginCode:
    """A parsed login code. The token is a credential: never log it."""

    token: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"AppLoginCode(token='***', expires_at={self.expires_at.isoformat()!r})"

    __str__ = __repr__


def decode_qr(image: Frame) -> list[str]:
    """The texts of every QR code OpenCV can decode in `image` (empty list when none)."""
    import cv2
    frame = as_frame(image)
    if min(frame.shape[:2]) < MIN_SIDE:
        return []
    detector = cv2.QRCodeDetector()
    try:
        ok, texts, _points, _straight = detector.detectAndDecodeMulti(frame)
    except cv2.error:
        ok, texts = False, ()
    found = [t for t in texts if t] if ok else []
    if found:
        return found
    # detectAndDecodeMulti misses some single, large codes that the plain call reads; and
    # about one code in 200 fails on a compressed frame until it is binarised or rescaled
    # (measured on MJPG video: every such miss was read by one of these).
    for variant in _variants(frame):
        try:
            text, _pts, _st = detector.detectAndDecode(variant)
        except cv2.error:
            text = ""
        if text:
            return [text]
    return []


def _variants(frame: Frame) -> Iterator[Any]:
    """The frame as it is, then binarised (Otsu), then at half size: cheap second looks."""
    import cv2
    yield frame
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    yield cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)[1]
    if min(gray.shape[:2]) < 2 * MIN_SIDE:
        return  # at half size it could not hold a code either
    yield cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def parse_login_payload(text: str, now: datetime | None = None) -> AppLoginCode:
    """Parse `JHZW1:<token>:<expiry>`; QrPayloadMalformed or QrPayloadExpired otherwise."""
    if not isinstance(text, str) or len(text) > MAX_PAYLOAD:
        raise QrPayloadMalformed("not an app login code")
    parts = text.strip().split(":")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise QrPayloadMalformed("not an app login code", reason="qr-not-login-code")
    _, token, expiry = parts
    if not _TOKEN.fullmatch(token):
        raise QrPayloadMalformed("bad token in the app login code")
    if not _EXPIRY.fullmatch(expiry):
        raise QrPayloadMalformed("bad expiry in the app login code")
    expires_at = datetime.fromtimestamp(int(expiry), tz=UTC)
    current = now or datetime.now(UTC)
    if current >= expires_at:
        raise QrPayloadExpired("the app login code has expired")
    return AppLoginCode(token, expires_at)


def scan_login_code(camera: Camera, timeout: float = 30.0, *,
                    now: Callable[[], datetime] | None = None,
                    frame_timeout: float = 2.0,
                    decode: Callable[[Frame], list[str]] = decode_qr) -> AppLoginCode:
    """Read frames until an app login code is seen. A code of another kind or an expired one
    is raised at once (the resident needs to act); no code at all gives NoQrCode. The app
    passes an `IsolatedQrDecoder` (qr_worker.py) as `decode`, which raises QrDecoderCrashed
    for a frame that crashed it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = camera.read(timeout=min(frame_timeout, max(deadline - time.monotonic(), 0.01)))
        for text in decode(frame):
            return parse_login_payload(text, now() if now else None)
    raise NoQrCode(f"no QR code within {timeout:.0f} s")
