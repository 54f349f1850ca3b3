"""OpenCVCamera on real video files written by the tests, and on sources that cannot open."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

import media
from devices.base import DeviceOffline, DeviceState, DeviceTimeout
from devices.camera.base import Camera, CameraBusy
from devices.camera.opencv import OpenCVCamera, parse_source


def test_reads_every_frame_of_a_file_then_reports_end_of_stream(face_video: Path) -> None:
    cam = OpenCVCamera(str(face_video))
    assert isinstance(cam, Camera) and OpenCVCamera.is_usable()
    assert cam.status().state is DeviceState.OFFLINE
    with cam:
        assert cam.status().state is DeviceState.ONLINE
        frames = [cam.read(timeout=2) for _ in range(10)]
        assert all(f.shape == (media.H, media.W, 3) and f.dtype == np.uint8 for f in frames)
        diag = cam.diagnostics()
        assert (diag["width"], diag["height"], diag["frames_read"]) == (640, 480, 10)
        with pytest.raises(DeviceTimeout) as err:
            cam.read(timeout=1)
        assert err.value.reason == "end-of-stream"
        assert cam.status().reason == "end-of-stream"
    assert cam.status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceOffline) as closed:
        cam.read()
    assert closed.value.reason == "closed"


def test_the_same_source_cannot_be_opened_twice(face_video: Path) -> None:
    with OpenCVCamera(str(face_video)):
        with pytest.raises(CameraBusy) as err:
            OpenCVCamera(str(face_video)).open()
        assert err.value.reason == "busy"
    with OpenCVCamera(str(face_video)) as again:  # released on close
        assert again.read().size


def test_a_read_while_another_read_runs_is_busy(face_video: Path) -> None:
    with OpenCVCamera(str(face_video)) as cam:
        cam._reading.acquire()  # what a second thread's read holds while it waits for a frame
        try:
            with pytest.raises(CameraBusy):
                cam.read()
        finally:
            cam._reading.release()
        assert cam.read().size


@pytest.mark.parametrize("source, reason", [
    ("/nonexistent/camera.avi", "not-found"),
    ("/dev/video97", "not-found"),
    (97, "not-found"),
])
def test_missing_sources_are_offline(source: int | str, reason: str) -> None:
    with pytest.raises(DeviceOffline) as err:
        OpenCVCamera(source).open()
    assert err.value.reason == reason


def test_a_file_that_is_not_video_is_offline_with_a_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"\x00garbage" * 100)
    with pytest.raises(DeviceOffline) as err:
        OpenCVCamera(str(junk)).open()
    assert err.value.reason == "unsupported-format"


def test_an_unreachable_stream_is_offline_and_hides_its_password() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://kiosk:s3cret@127.0.0.1:{port}/video.mjpg?token=abc"
    cam = OpenCVCamera(url, open_timeout=2)
    with pytest.raises(DeviceOffline) as err:
        cam.open()
    assert err.value.reason == "unreachable"
    for text in (str(err.value), repr(cam), str(cam.diagnostics())):
        assert "s3cret" not in text and "token" not in text


def test_sources_parse_from_config_strings() -> None:
    assert parse_source("0") == 0 and parse_source(" 2 ") == 2
    assert parse_source("rtsp://cam/1") == "rtsp://cam/1"
    with pytest.raises(DeviceOffline):
        parse_source("  ")


def test_a_stream_that_stalls_gives_a_timeout_not_a_hang() -> None:
    """A real MJPEG-over-HTTP stream on localhost that sends 20 frames, then nothing."""
    import threading

    import cv2
    jpeg = cv2.imencode(".jpg", media.face_frame())[1].tobytes()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    stop = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.0 200 OK\r\n"
                         b"Content-Type: multipart/x-mixed-replace; boundary=frame\r\n\r\n")
            for _ in range(20):
                conn.sendall(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n"
                             % len(jpeg) + jpeg + b"\r\n")
            stop.wait(20)

    feeder = threading.Thread(target=serve, daemon=True)
    feeder.start()
    cam = OpenCVCamera(f"http://127.0.0.1:{server.getsockname()[1]}/live.mjpg", open_timeout=5)
    try:
        cam.open()
        frames = 0
        with pytest.raises(DeviceTimeout) as err:
            while frames < 100:
                cam.read(timeout=1.0)
                frames += 1
        assert err.value.reason == "no-frames" and 0 < frames <= 20
        assert (cam.status().state, cam.status().reason) == (DeviceState.ERROR, "stalled")
        with pytest.raises(DeviceTimeout):  # still stuck: refused at once, no second thread
            cam.read(timeout=1.0)
    finally:
        cam.close()
        stop.set()  # the stream ends: the stuck read returns and releases the capture
        feeder.join(10)
        if cam._stuck is not None:
            cam._stuck.join(10)
        server.close()
