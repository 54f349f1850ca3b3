"""The terminal's devices built from config: one place for the app and `kiosk devices probe`."""

from __future__ import annotations

import logging
from typing import Any
from collections.abc import Callable

from devices.base import DeviceError
from devices.camera.qr_worker import IsolatedQrDecoder
from devices.registry import BuiltDevice, build_device

from .config import KioskConfig

log = logging.getLogger("kiosk.devices")

Factory = tuple[str, Callable[[], BuiltDevice[Any, Any]]]  # (backend name, builder)


def device_factories(config: KioskConfig) -> dict[str, Factory]:
    """Name → (backend, builder) for every configured device; building may raise
    DeviceUnusable, which the app treats as fatal and the probe reports."""
    d = config.devices
    idc, pr, ss, cam = d.idcard, d.printer, d.sscard, d.camera
    printer_opts: dict[str, Any] = ({"queue": pr.queue, "server": pr.server}
                                    if pr.backend == "cups" else {"out_dir": pr.out_dir})
    found: dict[str, Factory] = {
        "idcard": (idc.backend, lambda: build_device("idcard", idc.backend,
                                                     idc.backend_options())),
        "printer": (pr.backend, lambda: build_device("printer", pr.backend, printer_opts)),
    }
    if ss is not None:
        found["sscard"] = (ss.backend, lambda: build_device("idcard", ss.backend,
                                                            ss.backend_options()))
    if cam is not None:
        found["camera"] = (cam.backend, lambda: build_device("camera", cam.backend,
                                                             cam.backend_options()))
    return found


class Devices:
    """The terminal's device backends, built from config (refuses unusable ones)."""

    def __init__(self, config: KioskConfig) -> None:
        built = {name: make() for name, (_backend, make) in device_factories(config).items()}
        self.idcard: Any = built["idcard"].device
        self.printer: Any = built["printer"].device
        self.sscard: Any = built["sscard"].device if "sscard" in built else None
        self.camera: Any = built["camera"].device if "camera" in built else None
        #: QR codes are decoded in a worker process of their own, one for the terminal's
        #: lifetime (started by open_all when there is a camera, restarted when OpenCV
        #: crashes in it; without a camera no process is ever started).
        self.qr_decoder = IsolatedQrDecoder()
        #: Control handles of simulated devices (name → handle), for the demo's dev panel and
        #: tests only; the app and its screens never use them.
        self.controls: dict[str, Any] = {name: b.control for name, b in built.items()
                                         if b.control is not None}

    def all(self) -> dict[str, Any]:
        found = {"idcard": self.idcard, "printer": self.printer, "sscard": self.sscard,
                 "camera": self.camera}
        return {name: dev for name, dev in found.items() if dev is not None}

    def open_all(self) -> None:
        """Open every device; one that is unplugged now is shown as down, not fatal."""
        for name, device in self.all().items():
            try:
                device.open()
            except DeviceError as exc:
                log.warning("device %s not opened: %s", name, exc.reason)
        if self.camera is not None:
            self.qr_decoder.start()  # loads OpenCV now: the first scan does not wait for it

    def close_all(self) -> None:
        for name, device in self.all().items():
            try:
                device.close()
            except DeviceError as exc:
                log.warning("device %s not closed cleanly: %s", name, exc.reason)
        self.qr_decoder.close()
