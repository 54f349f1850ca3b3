"""Builds device backends from configuration and refuses unusable ones at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devices.base import DeviceUnusable
from devices.idcard.base import IdCardReader
from devices.printer.base import Printer

IDCARD_BACKENDS: tuple[str, ...] = ("simulated",)
PRINTER_BACKENDS: tuple[str, ...] = ("cups", "simulated")

# Backends named in DESIGN.md §4 that are not built yet: say so instead of "unknown".
_PLANNED = {
    "ga467": "the GA 467 serial ID-card reader backend is not implemented yet "
             "(it will need pyserial)",
    "pcsc": "the PC/SC card backend is not implemented yet (it will need pyscard and pcscd)",
}


def make_idcard_reader(backend: str, options: Mapping[str, Any] | None = None) -> IdCardReader:
    """`simulated` takes {"residents_file": path or None}."""
    opts = dict(options or {})
    if backend == "simulated":
        from devices.idcard.simulated import SimulatedIdCardReader
        _only(opts, {"residents_file"}, "idcard", backend)
        return SimulatedIdCardReader(residents_file=opts.get("residents_file"))
    if backend in _PLANNED:
        raise DeviceUnusable(f"idcard backend {backend!r}: {_PLANNED[backend]}",
                             reason="not-implemented")
    raise DeviceUnusable(f"unknown idcard backend {backend!r}; choose one of "
                         f"{', '.join(IDCARD_BACKENDS)}", reason="bad-config")


def make_printer(backend: str, options: Mapping[str, Any] | None = None) -> Printer:
    """`cups` takes {"queue": name, "server": host or None}; `simulated` takes {"out_dir": path}."""
    opts = dict(options or {})
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
        return CupsPrinter(str(opts["queue"]), **kwargs)
    if backend == "simulated":
        from devices.printer.simulated import SimulatedPrinter
        _only(opts, {"out_dir"}, "printer", backend)
        if not opts.get("out_dir"):
            raise DeviceUnusable("printer backend 'simulated' needs the option 'out_dir' "
                                 "(a folder for the PDFs)", reason="bad-config")
        return SimulatedPrinter(str(opts["out_dir"]))
    raise DeviceUnusable(f"unknown printer backend {backend!r}; choose one of "
                         f"{', '.join(PRINTER_BACKENDS)}", reason="bad-config")


def _only(opts: dict[str, Any], allowed: set[str], kind: str, backend: str) -> None:
    unknown = sorted(set(opts) - allowed)
    if unknown:
        raise DeviceUnusable(f"{kind} backend {backend!r}: unknown option(s) {', '.join(unknown)}",
                             reason="bad-config")
