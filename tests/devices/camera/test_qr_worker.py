"""QR decoding in a worker process: a frame that crashes or hangs the decoder costs that frame
only; the next real code is read by a new worker."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

import media
from crashing_qr import ABORT, HANG, RAISE, SEGV, decode_or_crash, marked
from devices.camera.base import BadImage
from devices.camera.qr import QrDecoderCrashed, decode_qr, scan_login_code
from devices.camera.qr_worker import IsolatedQrDecoder
from devices.camera.simulated import simulated_camera

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
PAYLOAD = f"JHZW1:q3Vx_9kLm-2ZpTr8sYw0AbCd:{int(NOW.timestamp()) + 120}"
#: Far above a real decode (milliseconds) even on a busy machine, well below the test's patience.
DEADLINE = 2.0


@pytest.fixture(scope="module")
def code() -> np.ndarray:
    return media.qr_frame(PAYLOAD)


@pytest.fixture()
def decoder() -> Iterator[IsolatedQrDecoder]:
    with IsolatedQrDecoder(decode_or_crash, deadline=DEADLINE) as d:
        yield d


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def dead(pid: int) -> bool:
    """Exited, whether or not its parent has reaped it yet: a zombie (state Z) whose threads
    (OpenCV's) have all gone too, so that waitpid would return it."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
    except FileNotFoundError:
        return True
    return status["State"].split()[0] == "Z" and int(status["Threads"]) <= 1


def test_decodes_what_decode_qr_decodes_in_a_process_of_its_own(
        decoder: IsolatedQrDecoder, code: np.ndarray) -> None:
    assert decoder(code) == decode_qr(code) == [PAYLOAD]
    assert decoder.pid is not None and decoder.pid != os.getpid()
    assert decoder(media.face_frame()) == []
    assert decoder(np.ascontiguousarray(code[:, :, 0])) == [PAYLOAD]  # grey, as decode_qr takes
    assert decoder(code[:, ::-1][:, ::-1]) == [PAYLOAD]  # a strided view is sent whole
    for bad in (np.zeros((0,), np.uint8), code.astype(np.float32), None):
        with pytest.raises(BadImage):
            decoder(bad)  # type: ignore[arg-type]  # what a broken camera could hand over
    assert decoder.restarts == 0


@pytest.mark.parametrize("how", [ABORT, SEGV], ids=["abort", "segv"])
def test_a_crash_costs_its_frame_and_a_new_worker_reads_the_next_code(
        decoder: IsolatedQrDecoder, code: np.ndarray, how: int) -> None:
    assert decoder(code) == [PAYLOAD]
    first = decoder.pid
    assert first is not None
    with pytest.raises(QrDecoderCrashed) as crashed:
        decoder(marked(how))
    assert crashed.value.reason == "qr-decoder-crashed"
    assert gone(first)
    assert decoder(code) == [PAYLOAD]
    assert decoder.pid not in (None, first) and decoder.restarts == 1


def test_a_hung_decode_is_killed_at_the_deadline(
        decoder: IsolatedQrDecoder, code: np.ndarray) -> None:
    assert decoder(code) == [PAYLOAD]
    first = decoder.pid
    assert first is not None
    raised: list[BaseException] = []

    def scan() -> None:
        try:
            decoder(marked(HANG))
        except QrDecoderCrashed as exc:
            raised.append(exc)

    waiting = threading.Thread(target=scan, daemon=True)
    waiting.start()
    waiting.join(DEADLINE * 15)  # without a deadline it would wait an hour: fail, not hang
    assert not waiting.is_alive(), "the hung decode was not cut off"
    assert [getattr(e, "reason", None) for e in raised] == ["qr-decoder-hung"]
    assert gone(first)  # killed, not left sleeping beside the app
    assert decoder(code) == [PAYLOAD] and decoder.restarts == 1


def test_an_undocumented_exception_is_typed_and_the_worker_lives_on(
        decoder: IsolatedQrDecoder, code: np.ndarray) -> None:
    assert decoder(code) == [PAYLOAD]
    first = decoder.pid
    with pytest.raises(QrDecoderCrashed) as failed:
        decoder(marked(RAISE))
    assert failed.value.reason == "qr-decoder-failed"
    assert decoder(code) == [PAYLOAD] and decoder.pid == first and decoder.restarts == 0


def test_a_worker_killed_between_frames_is_replaced_without_an_error(
        decoder: IsolatedQrDecoder, code: np.ndarray) -> None:
    assert decoder(code) == [PAYLOAD]
    first = decoder.pid
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while not dead(first) and time.monotonic() < deadline:
        time.sleep(0.02)  # until the kill has landed
    assert decoder(code) == [PAYLOAD] and decoder.pid != first and gone(first)


def test_frames_from_several_threads_are_each_answered(
        decoder: IsolatedQrDecoder, code: np.ndarray) -> None:
    face = media.face_frame()
    answers: list[tuple[int, list[str]]] = []

    def scan(i: int) -> None:
        answers.append((i, decoder(code if i % 2 else face)))

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == [(i, [PAYLOAD] if i % 2 else []) for i in range(6)]


def test_close_stops_the_worker(code: np.ndarray) -> None:
    decoder = IsolatedQrDecoder(decode_or_crash)
    assert decoder(code) == [PAYLOAD]
    pid = decoder.pid
    assert pid is not None
    decoder.close()
    assert gone(pid) and decoder.pid is None
    with pytest.raises(QrDecoderCrashed) as closed:
        decoder(code)
    assert closed.value.reason == "qr-decoder-closed"


def test_a_scan_that_crashes_the_decoder_raises_and_the_next_scan_reads_the_code(
        decoder: IsolatedQrDecoder, code: np.ndarray) -> None:
    camera, control = simulated_camera(frames=[media.face_frame()])
    camera.open()
    control.queue_frames([media.face_frame(), marked(ABORT)])
    with pytest.raises(QrDecoderCrashed):
        scan_login_code(camera, timeout=10, now=lambda: NOW, decode=decoder)
    control.queue_frames([code])
    found = scan_login_code(camera, timeout=10, now=lambda: NOW, decode=decoder)
    assert found.token == PAYLOAD.split(":")[1]


#: A 41×45 grey noise frame (make fuzz, qr_frame, seed 20261202, input 108139) on which
#: OpenCV 4.14's QRCodeDetector.detect() dies with glibc's "double free or corruption (out)",
#: every time, in a fresh process (docs/fuzzing.md).
OPENCV_CRASH = Path(__file__).with_name("opencv_detect_crash_41x45.png")


def test_the_frame_that_kills_opencv_costs_one_frame_with_the_real_decoder(
        code: np.ndarray) -> None:
    import cv2
    frame = cv2.imread(str(OPENCV_CRASH), cv2.IMREAD_UNCHANGED)
    with IsolatedQrDecoder(deadline=DEADLINE) as real:  # the app's decoder: decode_qr itself
        assert real(code) == [PAYLOAD]
        first = real.pid
        try:
            texts = real(frame)
        except QrDecoderCrashed as exc:  # OpenCV still has the bug: contained, named
            assert exc.reason == "qr-decoder-crashed" and first is not None and dead(first)
        else:  # an OpenCV that no longer crashes on it: nothing to read in noise
            assert texts == []
        assert real(code) == [PAYLOAD]  # the next resident's code, in a new worker if need be
