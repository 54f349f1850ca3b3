"""Backends come from configuration; unknown or unusable ones are refused with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices import registry
from devices.base import DeviceUnusable
from devices.camera.simulated import SimulatedCamera, SimulatedCameraControl
from devices.idcard.simulated import SimulatedCardControl, SimulatedIdCardReader
from devices.printer.cups import CupsPrinter
from devices.printer.simulated import SimulatedPrinter, SimulatedPrinterControl


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


def test_build_device_hands_out_a_simulator_with_its_control(tmp_path: Path) -> None:
    card = registry.build_device("idcard", "simulated", {})
    assert isinstance(card.device, SimulatedIdCardReader)
    assert isinstance(card.control, SimulatedCardControl)
    card.control.present(0)
    assert card.device.read(timeout=1) == card.control.residents()[0]
    printer = registry.build_device("printer", "simulated", {"out_dir": str(tmp_path)})
    assert isinstance(printer.device, SimulatedPrinter)
    assert isinstance(printer.control, SimulatedPrinterControl)
    camera = registry.build_device("camera", "simulated")
    assert isinstance(camera.device, SimulatedCamera)
    assert isinstance(camera.control, SimulatedCameraControl)


def test_build_device_gives_real_backends_no_control() -> None:
    built = registry.build_device("printer", "cups", {"queue": "kiosk"})
    assert isinstance(built.device, CupsPrinter) and built.control is None
    built_camera = registry.build_device("camera", "opencv", {"source": 0})
    assert built_camera.control is None
    with pytest.raises(AttributeError):
        built.device = built.device  # type: ignore[misc]  # frozen: the pair stays together


def test_build_device_refuses_an_unknown_kind() -> None:
    with pytest.raises(DeviceUnusable) as info:
        registry.build_device("scanner", "simulated", {})  # type: ignore[call-overload]  # the point
    assert "scanner" in str(info.value) and info.value.reason == "bad-config"
