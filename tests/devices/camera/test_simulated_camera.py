"""SimulatedCamera: frames for the demo and scripted failures (busy, offline, one-off errors)."""

from __future__ import annotations

import numpy as np
import pytest

import media
from devices.base import DeviceOffline, DeviceState, DeviceTimeout
from devices.camera.base import Camera, CameraBusy
from devices.camera.qr import decode_qr
from devices.camera.simulated import SimulatedCamera


def test_plays_a_placeholder_without_frames_and_queued_frames_first() -> None:
    cam = SimulatedCamera()
    assert isinstance(cam, Camera)
    cam.open()
    assert cam.read().shape == (480, 640, 3)
    cam.queue_frames([media.qr_frame("JHZW1:abcdefghijklmnop:1999999999")])
    assert decode_qr(cam.read()) == ["JHZW1:abcdefghijklmnop:1999999999"]
    assert not decode_qr(cam.read())
    cam.close()
    with pytest.raises(DeviceOffline):
        cam.read()


def test_scripted_busy_then_free() -> None:
    cam = SimulatedCamera(frames=[media.face_frame()])
    cam.set_busy(True)
    assert cam.status().state is DeviceState.BUSY
    with pytest.raises(CameraBusy):
        cam.open()
    cam.set_busy(False)
    cam.open()
    cam.set_busy(True)
    with pytest.raises(CameraBusy):
        cam.read()
    cam.set_busy(False)
    assert np.array_equal(cam.read(), media.face_frame())


def test_scripted_one_off_failure_and_lasting_fault() -> None:
    cam = SimulatedCamera()
    cam.open()
    cam.fail_next(DeviceTimeout("stalled", reason="no-frames"))
    with pytest.raises(DeviceTimeout):
        cam.read()
    assert cam.read().size
    cam.set_status(DeviceState.ERROR, "no-frames", "sensor fault")
    with pytest.raises(DeviceTimeout):
        cam.read()
    cam.close()
    cam.set_status(DeviceState.OFFLINE, "unplugged")
    with pytest.raises(DeviceOffline) as err:
        cam.open()
    assert err.value.reason == "unplugged"


def test_image_files_are_loaded_and_bad_ones_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import cv2
    good = tmp_path / "face.png"
    cv2.imwrite(str(good), media.face_frame())
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    cam = SimulatedCamera(image_files=[str(good)])
    cam.open()
    assert cam.read().shape == (480, 640, 3)
    with pytest.raises(DeviceOffline):
        SimulatedCamera(image_files=[str(bad)])
    with pytest.raises(DeviceOffline):
        SimulatedCamera(image_files=[str(tmp_path / "missing.png")])
