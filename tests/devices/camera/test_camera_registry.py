"""make_camera: backends from configuration, refusing bad options with a clear reason."""

from __future__ import annotations

import pytest

from devices.base import DeviceUnusable
from devices.camera.opencv import OpenCVCamera
from devices.camera.simulated import SimulatedCamera
from devices.registry import make_camera


def test_builds_each_backend() -> None:
    cam = make_camera("opencv", {"source": "0", "width": 1280, "height": 720})
    assert isinstance(cam, OpenCVCamera) and cam.source == 0 and cam.width == 1280
    assert isinstance(make_camera("simulated"), SimulatedCamera)


@pytest.mark.parametrize("backend, options", [
    ("webcam", {}),
    ("opencv", {"device": 0}),
    ("opencv", {"source": 1.5}),
    ("opencv", {"width": "wide"}),
    ("simulated", {"source": 0}),
])
def test_bad_config_is_refused(backend: str, options: dict[str, object]) -> None:
    with pytest.raises(DeviceUnusable) as err:
        make_camera(backend, options)
    assert err.value.reason == "bad-config"
