"""Printers publish printer-offline / printer-online by subscription: on a real cupsd and on the
simulator."""

from __future__ import annotations

import subprocess
import threading

import pytest

from devices.base import DeviceState
from devices.events import DeviceEvent
from devices.printer.cups import CupsPrinter
from devices.printer.simulated import simulated_printer


class Recorder:
    def __init__(self) -> None:
        self.events: list[DeviceEvent] = []
        self.seen = threading.Event()

    def __call__(self, event: DeviceEvent) -> None:
        self.events.append(event)
        self.seen.set()


@pytest.mark.cups
def test_a_paused_queue_and_its_return_are_published(restore_queue: str) -> None:
    printer = CupsPrinter(restore_queue)
    heard = Recorder()
    printer.subscribe(heard)
    assert printer.status().usable
    subprocess.run(["cupsdisable", "-r", "paper jam being cleared", restore_queue], check=True,
                   capture_output=True, timeout=20)
    assert printer.status().state is DeviceState.OFFLINE
    printer.status()  # seen again: no second event
    subprocess.run(["cupsenable", restore_queue], check=True, capture_output=True, timeout=20)
    assert printer.status().usable
    assert printer._events.flush()
    assert [(e.kind, e.detail) for e in heard.events] == [
        ("printer-online", ""), ("printer-offline", "paused"), ("printer-online", "")]
    assert all(e.source == f"cups:{restore_queue}" for e in heard.events)


def test_the_simulator_publishes_scripted_paper_out(tmp_path: object) -> None:
    printer, control = simulated_printer(str(tmp_path))
    heard = Recorder()
    printer.subscribe(heard)
    control.set_status(DeviceState.ERROR, "media-empty")
    control.set_status(DeviceState.ERROR, "media-empty")
    control.set_status(DeviceState.ONLINE)
    assert control.flush_events()
    assert [(e.kind, e.detail) for e in heard.events] == [
        ("printer-offline", "media-empty"), ("printer-online", "")]
