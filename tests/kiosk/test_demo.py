"""`kiosk demo`'s plumbing: the sandbox child process and the demo configuration."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from kiosk.config import parse_config
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
