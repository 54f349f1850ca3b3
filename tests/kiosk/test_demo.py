"""`kiosk demo`'s plumbing: the sandbox child process and the demo configuration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests

from devices.camera.qr import decode_qr, parse_login_payload
from devices.camera.simulated import placeholder_frame, simulated_camera
from devices.idcard.simulated import load_residents

from kiosk.config import parse_config
from kiosk.devtools.app_code import show_app_login_code
from kiosk.devtools.demo import DEMO_TOKEN, demo_config, sandbox_process


def test_demo_sandbox_serves_and_stops(tmp_path: Path) -> None:
    with sandbox_process(tmp_path / "sandbox.db", log_path=tmp_path / "sandbox.log") as url:
        assert requests.get(url + "/healthz", timeout=5).ok
        r = requests.get(url + "/v1/items", params={"q": "sbk"},
                         headers={"Authorization": f"Bearer {DEMO_TOKEN}"}, timeout=10)
        assert r.ok and r.json()["total"] > 0
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/healthz", timeout=2)


def test_demo_config_is_valid_and_simulated(tmp_path: Path) -> None:
    cfg = parse_config(demo_config("http://127.0.0.1:1", tmp_path))
    assert cfg.devices.idcard.backend == "simulated"
    assert cfg.devices.printer.backend == "simulated" and cfg.ui.demo
    cups = parse_config(demo_config("http://127.0.0.1:1", tmp_path, printer_queue="q"))
    assert cups.devices.printer.backend == "cups" and cups.devices.printer.queue == "q"


def test_demo_phone_code_is_read_by_the_apps_qr_reader(shared_platform: Any) -> None:
    """Every frame the dev panel's 模拟手机扫码 queues is decoded by the reader the identify
    flow uses into the sandbox's login payload."""
    person = load_residents()[-1]
    camera, control = simulated_camera(fps=0)
    camera.open()
    payload = show_app_login_code(shared_platform.url, shared_platform.token, control, person)
    assert payload.startswith("JHZW1:")
    seen = 0
    # Queued frames come first, then the camera's idle loop (the placeholder) again.
    while not np.array_equal(frame := camera.read(), placeholder_frame()):
        assert decode_qr(frame) == [payload], f"frame {seen} not read"
        seen += 1
    assert seen >= 5
    assert parse_login_payload(payload).token  # a valid login code, not yet expired
