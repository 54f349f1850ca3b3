"""Printer diagnostics for field technicians: a real CUPS queue and the simulated printer."""

from __future__ import annotations

import subprocess
from pathlib import Path

from devices.base import DeviceState
from devices.printer.cups import CupsPrinter
from devices.printer.simulated import simulated_printer


def test_cups_diagnostics_follow_the_queue(cups_queue: str) -> None:
    queue = cups_queue
    info = CupsPrinter(queue).diagnostics()
    assert info["queue"] == queue and info["state"] == "online"
    assert info["connection"] == "cups-pdf" and info["accepting"] is True
    subprocess.run(["cupsreject", queue], check=True)
    try:
        rejecting = CupsPrinter(queue).diagnostics()
        assert rejecting["accepting"] is False and rejecting["state"] != "online"
    finally:
        subprocess.run(["cupsaccept", queue], check=True)
    missing = CupsPrinter("kiosk-no-such-queue").diagnostics()
    assert missing["state"] == "offline" and missing["reason"] == "queue-missing"


def test_simulated_diagnostics(tmp_path: Path) -> None:
    printer, control = simulated_printer(str(tmp_path))
    printer.open()
    control.set_status(DeviceState.NO_MEDIA, "media-empty")
    info = printer.diagnostics()
    assert info == {"backend": "simulated", "out_dir": str(tmp_path), "jobs": 0,
                    "state": "no-media", "reason": "media-empty"}
