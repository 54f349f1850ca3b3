"""Builds device backends from configuration and refuses unusable ones at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from devices.base import Device, DeviceUnusable
from devices.camera.base import Camera
from devices.idcard.base import IdCardReader
from devices.printer.base import Printer

if TYPE_CHECKING:
    from devices.camera.simulated import SimulatedCameraControl
    from devices.idcard.simulated import SimulatedCardControl
    from devices.printer.simulated import SimulatedPrinterControl

IDCARD_BACKENDS: tuple[str, ...] = ("ga467", "pcsc", "simulated")
PRINTER_BACKENDS: tuple[str, ...] = ("cups", "simulated")
CAMERA_BACKENDS: tuple[str, ...] = ("opencv", "simulated")

DeviceKind = Literal["idcard", "printer", "camera"]
D = TypeVar("D", bound=Device, covariant=True)
C = TypeVar("C", covariant=True)


@dataclass(frozen=True)
class BuiltDevice(Generic[D, C]):
    """A device for the app and, for a simulated backend, the handle that drives it (places
    cards, queues frames, scripts failures); `control` is None for real backends."""

    device: D
    control: C | None = None


@overload
def build_device(kind: Literal["idcard"], backend: str, options: Mapping[str, Any] | None = None
                 ) -> BuiltDevice[IdCardReader, SimulatedCardControl]: ...
@overload
def build_device(kind: Literal["printer"], backend: str, options: Mapping[str, Any] | None = None
                 ) -> BuiltDevice[Printer, SimulatedPrinterControl]: ...
@overload
def build_device(kind: Literal["camera"], backend: str, options: Mapping[str, Any] | None = None
                 ) -> BuiltDevice[Camera, SimulatedCameraControl]: ...
def build_device(kind: DeviceKind, backend: str, options: Mapping[str, Any] | None = None
                 ) -> BuiltDevice[Device, object]:
    """Build the `kind` device of `backend` from its options (see `make_idcard_reader`,
    `make_printer`, `make_camera` for each backend's options); DeviceUnusable if it cannot be."""
    opts = dict(options or {})
    if kind == "idcard":
        return _idcard(backend, opts)
    if kind == "printer":
        return _printer(backend, opts)
    if kind == "camera":
        return _camera(backend, opts)
    raise DeviceUnusable(f"unknown device kind {kind!r}; choose idcard, printer or camera",
                         reason="bad-config")


def make_idcard_reader(backend: str, options: Mapping[str, Any] | None = None) -> IdCardReader:
    """`simulated` takes {"residents_file": path or None}; `ga467` {"port": device, "baudrate":
    int}; `pcsc` {"reader": name or part of it, None for any reader}."""
    return build_device("idcard", backend, options).device


def make_printer(backend: str, options: Mapping[str, Any] | None = None) -> Printer:
    """`cups` takes {"queue": name, "server": host or None}; `simulated` takes {"out_dir": path}."""
    return build_device("printer", backend, options).device


def make_camera(backend: str, options: Mapping[str, Any] | None = None) -> Camera:
    """`opencv` takes {"source": index, file or URL, "width", "height", "open_timeout"};
    `simulated` takes {"image_files": [paths]}."""
    return build_device("camera", backend, options).device


def _idcard(backend: str, opts: dict[str, Any]
            ) -> BuiltDevice[IdCardReader, SimulatedCardControl]:
    if backend == "simulated":
        from devices.idcard.simulated import simulated_idcard
        _only(opts, {"residents_file"}, "idcard", backend)
        reader, control = simulated_idcard(residents_file=opts.get("residents_file"))
        return BuiltDevice(reader, control)
    if backend == "ga467":
        return BuiltDevice(_ga467(opts))
    if backend == "pcsc":
        from devices.idcard.pcsc import PcscReader
        _only(opts, {"reader", "poll_interval"}, "idcard", backend)
        if not PcscReader.is_usable():
            raise DeviceUnusable("idcard backend 'pcsc' needs pyscard (pip install pyscard) and "
                                 "pcscd (apt-get install pcscd)", reason="library-missing")
        return BuiltDevice(PcscReader(opts.get("reader") or None,
                                      poll_interval=float(opts.get("poll_interval", 0.1))))
    raise DeviceUnusable(f"unknown idcard backend {backend!r}; choose one of "
                         f"{', '.join(IDCARD_BACKENDS)}", reason="bad-config")


def _ga467(opts: dict[str, Any]) -> IdCardReader:
    from devices.idcard.ga467 import Ga467Reader
    _only(opts, {"port", "baudrate", "command_timeout", "poll_interval"}, "idcard", "ga467")
    if not Ga467Reader.is_usable():
        raise DeviceUnusable("idcard backend 'ga467' needs pyserial (pip install pyserial)",
                             reason="library-missing")
    if not opts.get("port"):
        raise DeviceUnusable("idcard backend 'ga467' needs the option 'port' (the reader's "
                             "serial device, e.g. /dev/ttyUSB0)", reason="bad-config")
    try:
        command_timeout = float(opts.get("command_timeout", 1.0))
        poll_interval = float(opts.get("poll_interval", 0.2))
        baudrate = int(opts.get("baudrate", 115200))
    except (TypeError, ValueError):
        raise DeviceUnusable("idcard backend 'ga467': baudrate, command_timeout and "
                             "poll_interval must be numbers", reason="bad-config") from None
    return Ga467Reader(str(opts["port"]), baudrate, command_timeout=command_timeout,
                       poll_interval=poll_interval)


def _printer(backend: str, opts: dict[str, Any]
             ) -> BuiltDevice[Printer, SimulatedPrinterControl]:
    if backend == "cups":
        from devices.printer.cups import CupsPrinter
        _only(opts, {"queue", "server", "poll_interval"}, "printer", backend)
        if not CupsPrinter.is_usable():
            raise DeviceUnusable("printer backend 'cups' needs pycups: install libcups2-dev, "
                                 "then `pip install pycups` (and the cups package for cupsd)",
                                 reason="library-missing")
        if not opts.get("queue"):
            raise DeviceUnusable("printer backend 'cups' needs the option 'queue' "
                                 "(the CUPS queue name, see `lpstat -p`)", reason="bad-config")
        kwargs: dict[str, Any] = {"server": opts.get("server") or None}
        if "poll_interval" in opts:
            kwargs["poll_interval"] = float(opts["poll_interval"])
        return BuiltDevice(CupsPrinter(str(opts["queue"]), **kwargs))
    if backend == "simulated":
        from devices.printer.simulated import simulated_printer
        _only(opts, {"out_dir"}, "printer", backend)
        if not opts.get("out_dir"):
            raise DeviceUnusable("printer backend 'simulated' needs the option 'out_dir' "
                                 "(a folder for the PDFs)", reason="bad-config")
        printer, control = simulated_printer(str(opts["out_dir"]))
        return BuiltDevice(printer, control)
    raise DeviceUnusable(f"unknown printer backend {backend!r}; choose one of "
                         f"{', '.join(PRINTER_BACKENDS)}", reason="bad-config")


def _camera(backend: str, opts: dict[str, Any]) -> BuiltDevice[Camera, SimulatedCameraControl]:
    if backend == "opencv":
        _only(opts, {"source", "width", "height", "open_timeout"}, "camera", backend)
        from devices.camera.opencv import OpenCVCamera
        if not OpenCVCamera.is_usable():
            raise DeviceUnusable("camera backend 'opencv' needs OpenCV: "
                                 "pip install 'opencv-python-headless<5'",
                                 reason="library-missing")
        source = opts.get("source", 0)
        if not isinstance(source, (int, str)) or isinstance(source, bool):
            raise DeviceUnusable("camera option 'source' must be a device index, a file or a URL",
                                 reason="bad-config")
        try:
            size = {k: int(opts[k]) for k in ("width", "height") if opts.get(k)}
            timeout = float(opts.get("open_timeout", 10.0))
        except (TypeError, ValueError):
            raise DeviceUnusable("camera options width, height and open_timeout must be numbers",
                                 reason="bad-config") from None
        return BuiltDevice(OpenCVCamera(source, open_timeout=timeout, **size))
    if backend == "simulated":
        _only(opts, {"image_files"}, "camera", backend)
        from devices.camera.simulated import simulated_camera
        camera, control = simulated_camera([str(p) for p in opts.get("image_files") or ()])
        return BuiltDevice(camera, control)
    raise DeviceUnusable(f"unknown camera backend {backend!r}; choose one of "
                         f"{', '.join(CAMERA_BACKENDS)}", reason="bad-config")


def _only(opts: dict[str, Any], allowed: set[str], kind: str, backend: str) -> None:
    unknown = sorted(set(opts) - allowed)
    if unknown:
        raise DeviceUnusable(f"{kind} backend {backend!r}: unknown option(s) {', '.join(unknown)}",
                             reason="bad-config")
