"""The printer interface: print a PDF and know for sure whether it came out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from devices.base import Device
from devices.events import Listener, Subscription


@dataclass(frozen=True)
class PrintResult:
    """A finished job. Only completed jobs produce a result; everything else raises."""

    job_id: int
    state: Literal["completed"] = "completed"
    pages: int | None = None


@runtime_checkable
class Printer(Device, Protocol):
    def print_pdf(self, pdf: bytes, *, title: str, timeout: float = 60.0) -> PrintResult:
        """Print `pdf` and wait until the job has completed.

        Raises PaperOut, DeviceOffline, PrintFailed, or DeviceTimeout (the job is cancelled
        first, so a late printout cannot surprise the next resident).
        """
        ...

    def subscribe(self, listener: Listener) -> Subscription:
        """printer-online / printer-offline events, on the printer's event thread."""
        ...
