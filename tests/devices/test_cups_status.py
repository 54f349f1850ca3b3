"""CupsPrinter.status() against a real cupsd: disabling and rejecting the test queue."""

from __future__ import annotations

import subprocess

import pytest

from devices.base import DeviceOffline, DeviceState
from devices.printer.cups import CupsPrinter

PDF_STUB = b"%PDF-1.4\n%%EOF\n"

pytestmark = pytest.mark.cups


def cups_admin(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, timeout=20)


def test_idle_queue_is_online(cups_queue: str) -> None:
    status = CupsPrinter(cups_queue).status()
    assert status.state in (DeviceState.ONLINE, DeviceState.BUSY), status


def test_disabled_queue_is_offline_paused(restore_queue: str) -> None:
    cups_admin("cupsdisable", "-r", "maintenance", restore_queue)
    printer = CupsPrinter(restore_queue)
    status = printer.status()
    assert (status.state, status.reason) == (DeviceState.OFFLINE, "paused"), status
    # A job is not even submitted: it would sit in the queue and come out for someone else.
    with pytest.raises(DeviceOffline) as info:
        printer.print_pdf(PDF_STUB, title="kiosk test")
    assert info.value.reason == "paused"


def test_rejecting_queue_is_not_accepting(restore_queue: str) -> None:
    cups_admin("cupsreject", "-r", "maintenance", restore_queue)
    printer = CupsPrinter(restore_queue)
    status = printer.status()
    assert (status.state, status.reason) == (DeviceState.OFFLINE, "not-accepting"), status
    with pytest.raises(DeviceOffline) as info:
        printer.print_pdf(PDF_STUB, title="kiosk test")
    assert info.value.reason == "not-accepting"


def test_missing_queue(cups_queue: str) -> None:
    printer = CupsPrinter("kiosk-no-such-queue")
    status = printer.status()
    assert (status.state, status.reason) == (DeviceState.OFFLINE, "queue-missing")
    with pytest.raises(DeviceOffline) as info:
        printer.open()
    assert info.value.reason == "queue-missing"


def test_unreachable_server() -> None:
    status = CupsPrinter("kiosk-test", server="127.0.0.1:9").status()
    assert (status.state, status.reason) == (DeviceState.OFFLINE, "cups-unreachable")
