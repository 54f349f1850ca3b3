"""Camera targets: app login payloads (text) and QR frames (images -> texts)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from devices.camera.base import BadImage
from devices.camera.qr import MAX_PAYLOAD, PREFIX, AppLoginCode, QrDecoderCrashed, \
    QrPayloadExpired, QrPayloadMalformed, parse_login_payload
from devices.camera.qr_worker import IsolatedQrDecoder
from fuzzing.source import Contained, Source, Target, mutate_text, other_digits, text

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
_B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@dataclass(frozen=True)
class Payload:
    """A QR text, and the code it must parse to when it was built valid (None otherwise)."""

    text: str
    expected: AppLoginCode | None


def _login(src: Source) -> tuple[str, AppLoginCode | None]:
    # Mostly a token of a valid length: the refusals of the other parts need one to show.
    token = "".join(src.choice(_B64URL) for _ in range(src.choice((16, 24, 128, 15, 0, 129))))
    token = token if src.num(0, 3) else text(src, 128, _B64URL)
    expiry = src.choice((int(NOW.timestamp()) + src.num(1, 10**9), src.num(10**8, 10**11 - 1)))
    code = f"{PREFIX}:{token}:{expiry}"
    expires = datetime.fromtimestamp(expiry, UTC)
    valid = 16 <= len(token) <= 128 and len(str(expiry)) >= 9 and expires > NOW
    return code, AppLoginCode(token, expires) if valid else None


def gen_payload(src: Source) -> Payload:
    code, expected = _login(src)
    how = src.num(0, 4)
    if how == 0:
        return Payload(code, expected)
    if how == 1:
        return Payload(mutate_text(src, code), None)
    if how == 2:  # digits and letters from other scripts where ASCII ones belong
        return Payload(other_digits(src, code), None)
    if how == 3:
        return Payload(src.choice(("", " ", "\n")) + code + text(src, 3, ": \n\t"), None)
    return Payload(text(src, src.choice((40, MAX_PAYLOAD + 20))), None)


def check_payload(case: Payload) -> bool:
    try:
        code = parse_login_payload(case.text, now=NOW)
    except (QrPayloadMalformed, QrPayloadExpired):
        assert case.expected is None
        return False
    assert code.expires_at > NOW and code.token not in repr(code)
    # Accepted means the grammar of version 1 exactly, in ASCII.
    _, token, expiry = case.text.strip().split(":")
    assert token == code.token and expiry.isascii() and token.isascii()
    if case.expected is not None:
        assert code == case.expected
    return True


@functools.cache
def _qr_pool() -> tuple[tuple[str, np.ndarray], ...]:
    """Small clean QR images (made once per process) and the text each holds."""
    import cv2
    import segno
    pool = []
    for i in range(12):
        payload = f"{PREFIX}:{'k3Vx_9kLm-2ZpTr8sYw0AbCd'[: 16 + i]}:{1795752085 + i}"
        qr = segno.make(payload, error="m", micro=False)
        img = np.array(qr.matrix, dtype=np.uint8)
        img = np.pad(img, 4)
        img = np.kron(1 - img, np.ones((3, 3), np.uint8)) * 255
        pool.append((payload, cv2.cvtColor(img.astype(np.uint8), cv2.COLOR_GRAY2BGR)))
    return tuple(pool)


@dataclass(frozen=True)
class Frame:
    """A camera frame (any array), and the text it holds when it is a clean QR image."""

    image: Any
    expected: str | None


def _noise(src: Source, h: int, w: int, channels: int) -> np.ndarray:
    shape = (h, w) if channels == 0 else (h, w, channels)
    seed = src.num(0, 2**32 - 1)
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def gen_frame(src: Source) -> Frame:
    how = src.num(0, 5)
    if how == 0:  # torn or degenerate frames
        return Frame(_noise(src, src.num(0, 24), src.num(0, 24), src.choice((0, 1, 3, 4))), None)
    if how == 1:
        return Frame(_noise(src, src.num(21, 80), src.num(21, 80), src.choice((0, 3, 4))), None)
    payload, clean = src.choice(_qr_pool())
    if how == 2:
        return Frame(clean.copy(), payload)
    image: Any = clean.copy()
    if how == 3:  # speckle, a cut, or a wrong layout
        for _ in range(src.num(1, 40)):
            image[src.num(0, image.shape[0] - 1), src.num(0, image.shape[1] - 1)] = \
                src.num(0, 255)
        top, left = src.num(0, image.shape[0] // 2), src.num(0, image.shape[1] // 2)
        image = image[top:top + src.num(1, image.shape[0]), left:left + src.num(1, image.shape[1])]
    elif how == 4:
        image = src.choice((image[:, ::2], image[::-1], image.transpose(1, 0, 2),
                            image[:, :, :1], image[:, :, :2], image[:, :, 0]))
    else:
        image = src.choice((image.astype(np.float32), image.astype(np.int16), image[0],
                            image.reshape(-1), [[0, 1], [2, 3]], None, b"\x89PNG"))
    return Frame(image, None)


@functools.cache
def _decoder() -> IsolatedQrDecoder:
    """The app's decoder (a worker process of its own), one per fuzzing process."""
    return IsolatedQrDecoder()


def check_frame(case: Frame) -> bool:
    # Through the isolated decoder, as the app scans: OpenCV 4.14's detector kills its process
    # on some noise frames (docs/fuzzing.md), which the app survives and the run counts apart.
    try:
        texts = _decoder()(case.image)
    except BadImage:
        return False
    except QrDecoderCrashed as exc:
        if exc.reason == "qr-decoder-crashed":
            raise Contained(str(exc)) from exc
        raise  # hung, or an undocumented exception inside decode_qr: a finding
    assert isinstance(texts, list) and all(isinstance(t, str) and t for t in texts)
    if case.expected is not None:
        assert texts == [case.expected]
    return bool(texts)


TARGETS: tuple[Target[Any], ...] = (
    Target("qr_payload", "QR texts: valid JHZW1 login codes (round trip), typos, other "
           "scripts' digits, whitespace, any text -> parse_login_payload", gen_payload,
           check_payload),
    Target("qr_frame", "frames: torn, noise, clean small QR images (round trip), speckled, "
           "cropped, strided, wrong channels or dtype -> decode_qr in the app's isolated decoder",
           gen_frame, check_frame),
)
