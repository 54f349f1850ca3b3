"""SimulatedCamera: frames for the demo and scripted failures (busy, offline, one-off errors),
all scripted through its control handle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import media
from devices.base import DeviceOffline, DeviceState, DeviceTimeout
from devices.camera.base import Camera, CameraBusy
from devices.camera.qr import decode_qr
from devices.camera.simulated import SimulatedCamera, SimulatedCameraControl, simulated_camera


def test_plays_a_placeholder_without_frames_and_queued_frames_first() -> None:
    cam, control = simulated_camera()
    assert isinstance(cam, Camera)
    cam.open()
    assert cam.read().shape == (480, 640, 3)
    control.queue_frames([media.qr_frame("JHZW1:abcdefghijklmnop:1999999999")])
    assert decode_qr(cam.read()) == ["JHZW1:abcdefghijklmnop:1999999999"]
    assert not decode_qr(cam.read())
    cam.close()
    with pytest.raises(DeviceOffline):
        cam.read()


def test_scripted_busy_then_free() -> None:
    cam, control = simulated_camera(frames=[media.face_frame()])
    control.set_busy(True)
    assert cam.status().state is DeviceState.BUSY
    with pytest.raises(CameraBusy):
        cam.open()
    control.set_busy(False)
    cam.open()
    control.set_busy(True)
    with pytest.raises(CameraBusy):
        cam.read()
    control.set_busy(False)
    assert np.array_equal(cam.read(), media.face_frame())


def test_scripted_one_off_failure_and_lasting_fault() -> None:
    cam, control = simulated_camera()
    cam.open()
    control.fail_next(DeviceTimeout("stalled", reason="no-frames"))
    with pytest.raises(DeviceTimeout):
        cam.read()
    assert cam.read().size
    control.set_status(DeviceState.ERROR, "no-frames", "sensor fault")
    with pytest.raises(DeviceTimeout):
        cam.read()
    cam.close()
    control.set_status(DeviceState.OFFLINE, "unplugged")
    with pytest.raises(DeviceOffline) as err:
        cam.open()
    assert err.value.reason == "unplugged"


def test_image_files_are_loaded_and_bad_ones_refused(tmp_path: Path) -> None:
    import cv2
    good = tmp_path / "face.png"
    cv2.imwrite(str(good), media.face_frame())
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    cam, _control = simulated_camera([str(good)])
    cam.open()
    assert cam.read().shape == (480, 640, 3)
    with pytest.raises(DeviceOffline):
        SimulatedCamera(image_files=[str(bad)])
    with pytest.raises(DeviceOffline):
        SimulatedCamera(image_files=[str(tmp_path / "missing.png")])


def test_the_camera_has_no_levers_of_the_simulation() -> None:
    # The app gets the camera; only tests and the demo's developer panel get the control.
    cam, _control = simulated_camera(fps=0)
    for lever in ("queue_frames", "clear_queue", "set_status", "set_busy", "fail_next",
                  "frames_read"):
        assert not hasattr(cam, lever), lever
    public = {n for n in dir(cam) if not n.startswith("_")}
    assert public == {"capabilities", "is_usable", "open", "close", "status", "subscribe",
                      "read", "diagnostics"}


def test_queued_frames_come_first_then_the_loop_and_a_cleared_queue_is_not_shown() -> None:
    face, qr = media.face_frame(), media.qr_frame("JHZW1:abcdefghijklmnop:1999999999")
    cam = SimulatedCamera(frames=[face], fps=0)
    control = SimulatedCameraControl(cam)  # a control for a camera built elsewhere
    cam.open()
    control.queue_frames([qr, qr])
    assert np.array_equal(cam.read(), qr) and np.array_equal(cam.read(), qr)
    assert np.array_equal(cam.read(), face)
    control.queue_frames([qr])
    control.clear_queue()
    assert np.array_equal(cam.read(), face)
    assert control.frames_read == 4
    assert cam.diagnostics() == {"backend": "simulated", "frames": 1, "frames_read": 4,
                                 "status": "online"}
