"""DeviceManager: polling, change notification, reports, driver bugs contained."""

from __future__ import annotations

from pathlib import Path

from devices.base import DeviceState, DeviceStatus
from devices.idcard.simulated import SimulatedIdCardReader
from devices.manager import DeviceManager
from devices.printer.simulated import SimulatedPrinter, simulated_printer


class Broken:
    capabilities = frozenset({"x"})

    def status(self) -> DeviceStatus:
        raise RuntimeError("driver bug")


def test_changes_are_reported_once(tmp_path: Path) -> None:
    printer, control = simulated_printer(str(tmp_path))
    manager = DeviceManager({"printer": printer, "idcard": SimulatedIdCardReader()})
    seen: list[tuple[str, DeviceState]] = []
    manager.subscribe(lambda name, st: seen.append((name, st.state)))
    manager.poll_once()
    assert {name for name, _ in seen} == {"printer", "idcard"}
    seen.clear()
    manager.poll_once()
    assert seen == []
    control.set_status(DeviceState.NO_MEDIA, "media-empty")
    manager.poll_once()
    assert seen == [("printer", DeviceState.NO_MEDIA)]
    assert not manager.usable("printer")


def test_driver_bug_shows_as_error_and_polling_goes_on(tmp_path: Path) -> None:
    devices = {"bad": Broken(), "printer": SimulatedPrinter(str(tmp_path))}
    manager = DeviceManager(devices)  # type: ignore[arg-type]  # Broken is no Device: the point
    reports = {r.name: r for r in manager.report()}
    assert reports["bad"].state == "error" and reports["bad"].reason == "driver-error"
    assert reports["printer"].state == "online"
    assert reports["printer"].as_dict()["backend"] == "SimulatedPrinter"


def test_background_polling_notifies(tmp_path: Path) -> None:
    import threading
    printer, control = simulated_printer(str(tmp_path))
    manager = DeviceManager({"printer": printer}, poll_interval=0.05)
    changed = threading.Event()
    manager.subscribe(lambda name, st: st.state is DeviceState.OFFLINE and changed.set())
    manager.start()
    try:
        control.set_status(DeviceState.OFFLINE, "offline")
        assert changed.wait(5)
    finally:
        manager.stop()
