"""Backends come from configuration; unknown or unusable ones are refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices import registry
from devices.base import DeviceUnusable
from devices.idcard.simulated import SimulatedIdCardReader
from devices.printer.cups import CupsPrinter
from devices.printer.simulated import SimulatedPrinter


def test_builds_simulated_backends(tmp_path: Path) -> None:
    assert isinstance(registry.make_idcard_reader("simulated", {}), SimulatedIdCardReader)
    printer = registry.make_printer("simulated", {"out_dir": str(tmp_path)})
    assert isinstance(printer, SimulatedPrinter)


def test_builds_cups_backend() -> None:
    printer = registry.make_printer("cups", {"queue": "kiosk", "server": None})
    assert isinstance(printer, CupsPrinter) and printer.queue == "kiosk"


@pytest.mark.parametrize("kind,backend,options,words", [
    ("idcard", "nfc-magic", {}, ["nfc-magic", "simulated"]),
    ("idcard", "ga467", {}, ["ga467", "port"]),
    ("idcard", "ga467", {"port": "/dev/ttyS0", "baudrate": "fast"}, ["ga467", "baudrate"]),
    ("idcard", "pcsc", {"port": "/dev/ttyS0"}, ["pcsc", "unknown option"]),
    ("idcard", "simulated", {"port": "/dev/ttyS0"}, ["unknown option", "port"]),
    ("printer", "laser", {}, ["laser", "cups"]),
    ("printer", "cups", {}, ["queue"]),
    ("printer", "simulated", {}, ["out_dir"]),
])
def test_refuses_with_a_message_naming_the_problem(kind: str, backend: str,
                                                   options: dict[str, str],
                                                   words: list[str]) -> None:
    make = registry.make_idcard_reader if kind == "idcard" else registry.make_printer
    with pytest.raises(DeviceUnusable) as info:
        make(backend, options)
    for word in words:
        assert word in str(info.value)


def test_cups_without_pycups_names_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import devices.printer.cups as cups_backend
    monkeypatch.setattr(cups_backend, "_cups", None)
    assert not CupsPrinter.is_usable()
    with pytest.raises(DeviceUnusable) as info:
        registry.make_printer("cups", {"queue": "kiosk"})
    assert "pycups" in str(info.value) and info.value.reason == "library-missing"
