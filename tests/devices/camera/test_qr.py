"""QR login codes: decoded from a video the test writes, parsed, refused when malformed or
expired."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

import media
from devices.camera.opencv import OpenCVCamera
from devices.camera.qr import (AppLoginCode, NoQrCode, QrPayloadExpired, QrPayloadMalformed,
                               decode_qr, parse_login_payload, scan_login_code)
from devices.camera.simulated import SimulatedCamera

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
EXPIRY = int(NOW.timestamp()) + 120
TOKEN = "q3Vx_9kLm-2ZpTr8sYw0AbCd"
PAYLOAD = f"JHZW1:{TOKEN}:{EXPIRY}"


def test_scans_the_login_code_from_a_video(tmp_path: Path) -> None:
    blank = np.full((480, 640, 3), 120, np.uint8)
    video = media.write_video(tmp_path / "qr.avi", [blank] * 3 + [media.qr_frame(PAYLOAD)] * 3)
    with OpenCVCamera(str(video)) as cam:
        code = scan_login_code(cam, timeout=10, now=lambda: NOW)
    assert code == AppLoginCode(TOKEN, datetime.fromtimestamp(EXPIRY, UTC))
    assert TOKEN not in repr(code) and TOKEN not in str(code)


def test_no_code_before_the_timeout() -> None:
    cam = SimulatedCamera()
    cam.open()
    with pytest.raises(NoQrCode) as err:
        scan_login_code(cam, timeout=0.3)
    assert err.value.reason == "no-qr"


def test_another_apps_code_is_refused_at_once() -> None:
    cam = SimulatedCamera(frames=[media.qr_frame("https://example.org/pay?id=1")])
    cam.open()
    with pytest.raises(QrPayloadMalformed) as err:
        scan_login_code(cam, timeout=5)
    assert err.value.reason == "qr-not-login-code"


@pytest.mark.parametrize("text", ["JH250106-0042", "A1", PAYLOAD])
def test_the_media_helper_draws_full_qr_codes_the_reader_decodes(text: str) -> None:
    # A short text would fit a Micro QR code, which OpenCV (and most phones) cannot read.
    assert decode_qr(media.qr_frame(text)) == [text]


def test_decodes_nothing_in_a_face_frame() -> None:
    assert decode_qr(media.face_frame()) == []


def test_expired_code() -> None:
    with pytest.raises(QrPayloadExpired) as err:
        parse_login_payload(PAYLOAD, now=datetime.fromtimestamp(EXPIRY, UTC))
    assert err.value.reason == "qr-expired"


@pytest.mark.parametrize("text", [
    "", "JHZW1", f"JHZW2:{TOKEN}:{EXPIRY}", f"jhzw1:{TOKEN}:{EXPIRY}", f"JHZW1:{TOKEN}",
    f"JHZW1:short:{EXPIRY}", f"JHZW1:{TOKEN}!:{EXPIRY}", f"JHZW1:{TOKEN}:soon",
    f"JHZW1:{TOKEN}:{EXPIRY}:extra", f"JHZW1:{TOKEN}:-{EXPIRY}", "JHZW1:" + "a" * 600 + ":1",
    f"JHZW1:{TOKEN}:99999999999999999999",
    # Found by make fuzz: \d matched Arabic-Indic and fullwidth digits, and int() read them.
    f"JHZW1:{TOKEN}:" + str(EXPIRY).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
    f"JHZW1:{TOKEN}:" + str(EXPIRY).translate(str.maketrans("0123456789", "０１２３４５６７８９")),
])
def test_malformed_payloads(text: str) -> None:
    with pytest.raises(QrPayloadMalformed):
        parse_login_payload(text, now=NOW)


def test_a_code_opencv_misses_on_a_compressed_frame_is_read_on_a_second_look(
        tmp_path: Path) -> None:
    # Found by decoding 200 random login codes through MJPG video: OpenCV's plain call reads
    # nothing in this one; the binarised second look reads it.
    payload = "JHZW1:hTdk7p3o1_63l-kob0xdtCPLNzg89kwt:1795752085"
    import cv2
    video = media.write_video(tmp_path / "hard.avi", [media.qr_frame(payload)])
    cap = cv2.VideoCapture(str(video))
    ok, frame = cap.read()
    cap.release()
    assert ok
    assert decode_qr(frame) == [payload]


@pytest.mark.parametrize("shape", [(1, 640, 3), (480, 1, 3), (1, 1, 3), (1, 640), (2, 2, 3)])
def test_a_degenerate_frame_has_no_code(shape: tuple[int, ...]) -> None:
    # A camera can hand over a torn frame; OpenCV's resize and detector raise cv2.error on it.
    assert decode_qr(np.zeros(shape, dtype=np.uint8)) == []
