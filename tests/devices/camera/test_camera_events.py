"""Camera events by subscription, on the real OpenCV backend with video files written by
cv2.VideoWriter, and on the simulated camera the demo uses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import media
from devices.base import DeviceOffline, DeviceState, DeviceTimeout
from devices.camera.opencv import OpenCVCamera
from devices.camera.simulated import SimulatedCamera, simulated_camera
from devices.events import DeviceEvent


def _collect(camera: OpenCVCamera | SimulatedCamera) -> list[DeviceEvent]:
    seen: list[DeviceEvent] = []
    camera.subscribe(seen.append)
    return seen


def _flush(camera: OpenCVCamera) -> None:
    assert camera._events.flush(5)


def test_a_video_file_that_disappears_is_an_offline_event_then_online_again(
        tmp_path: Path, face_video: Path) -> None:
    path = tmp_path / "camera.avi"
    shutil.copy(face_video, path)
    camera = OpenCVCamera(str(path))
    seen = _collect(camera)
    camera.open()
    assert camera.read().size
    path.unlink()  # the camera is unplugged
    # The health poller's status() notices, even with nobody reading.
    assert camera.status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceOffline) as err:
        camera.read()
    assert err.value.reason in ("not-found", "closed")
    shutil.copy(face_video, path)  # plugged back in
    camera.open()
    assert camera.read().size
    camera.close()
    _flush(camera)
    assert [(e.kind, e.detail) for e in seen] == [
        ("camera-online", ""), ("camera-offline", "not-found"), ("camera-online", ""),
        ("camera-offline", "closed")]
    assert all(e.source == str(path) for e in seen)


def test_frames_do_not_flood_listeners_and_the_end_of_a_file_is_offline(
        face_video: Path) -> None:
    camera = OpenCVCamera(str(face_video))
    seen = _collect(camera)
    with camera:
        for _ in range(10):
            camera.read()  # busy → online → busy...: usable all along, no events
        with pytest.raises(DeviceTimeout):
            camera.read(timeout=1)
    _flush(camera)
    assert [(e.kind, e.detail) for e in seen] == [
        ("camera-online", ""), ("camera-offline", "end-of-stream")]


def test_a_camera_that_never_opened_says_nothing(tmp_path: Path) -> None:
    camera = OpenCVCamera(str(tmp_path / "missing.avi"))
    seen = _collect(camera)
    with pytest.raises(DeviceOffline):
        camera.open()
    camera.status()
    _flush(camera)
    assert seen == []


def test_a_failing_listener_does_not_stop_the_camera(face_video: Path) -> None:
    camera = OpenCVCamera(str(face_video))

    def broken(_event: DeviceEvent) -> None:
        raise RuntimeError("listener bug")
    camera.subscribe(broken)
    seen = _collect(camera)
    with camera:
        assert camera.read().size
    _flush(camera)
    assert [e.kind for e in seen] == ["camera-online", "camera-offline"]


def test_simulated_camera_events_follow_its_scripted_status() -> None:
    camera, control = simulated_camera(frames=[media.face_frame()], fps=0)
    seen = _collect(camera)
    camera.open()
    control.set_status(DeviceState.ERROR, "no-frames", "cable loose")
    control.set_status(DeviceState.ONLINE)
    sub = camera.subscribe(lambda _e: None)
    sub.cancel()
    camera.close()
    assert control.flush_events(5)
    assert [(e.kind, e.detail) for e in seen] == [
        ("camera-online", ""), ("camera-offline", "no-frames"), ("camera-online", ""),
        ("camera-offline", "closed")]
