"""A simulated printer that writes each PDF to a folder (for the demo and development).

`simulated_printer()` returns the printer, which offers only what a real printer offers (the
app gets it), and its control handle, which scripts paper-out, offline and one-off failures and
lists the jobs printed (tests and the demo's developer panel get it).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.base import (DeviceError, DeviceOffline, DeviceState, DeviceStatus, PaperOut,
                          PrintFailed)
from devices.events import Listener, StatusEvents, Subscription
from devices.printer.base import PrintResult


#: Jobs the control handle lists, newest last: a demo or a soak runs for days, and the PDFs
#: themselves stay in the folder.
JOBS_KEPT = 100


@dataclass(frozen=True)
class SimulatedJob:
    job_id: int
    title: str
    path: Path
    size: int


class _SimulatedPrinterHardware:
    """The simulated printer's state, shared by the printer and its control handle."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.jobs: deque[SimulatedJob] = deque(maxlen=JOBS_KEPT)
        self.lock = threading.Lock()
        self.status = DeviceStatus(DeviceState.ONLINE)
        self.events = StatusEvents("simulated-printer", online="printer-online",
                                   offline="printer-offline", name="printer-events")
        self.events.baseline(self.status)
        self.fail: DeviceError | None = None
        self.next_id = 1


class SimulatedPrinter:
    """Writes each job to `out_dir/<job id>-<title>.pdf`.

    A lasting condition (paper out, offline) or a one-off failure of the next job is scripted
    through a `SimulatedPrinterControl` (see `simulated_printer()`), which also lists the jobs.
    """

    capabilities: frozenset[str] = frozenset({"pdf", "simulated"})

    def __init__(self, out_dir: str) -> None:
        self._hw = _SimulatedPrinterHardware(Path(out_dir))

    @property
    def out_dir(self) -> Path:
        """Where the PDFs go (configuration, like a CUPS printer's queue name)."""
        return self._hw.out_dir

    @classmethod
    def is_usable(cls) -> bool:
        return True

    def open(self) -> None:
        self._hw.out_dir.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        """Nothing to release."""

    def status(self) -> DeviceStatus:
        hw = self._hw
        with hw.lock:
            return hw.status

    def diagnostics(self) -> dict[str, Any]:
        hw = self._hw
        with hw.lock:
            st, jobs = hw.status, hw.next_id - 1
        return {"backend": "simulated", "out_dir": str(hw.out_dir), "jobs": jobs,
                "state": st.state.value, "reason": st.reason}

    def subscribe(self, listener: Listener) -> Subscription:
        """printer-online / printer-offline as the control's `set_status` changes it."""
        return self._hw.events.subscribe(listener)

    def print_pdf(self, pdf: bytes, *, title: str, timeout: float = 60.0) -> PrintResult:
        if not pdf.startswith(b"%PDF-"):
            raise PrintFailed("not a PDF document", reason="document-format-error")
        hw = self._hw
        with hw.lock:
            if hw.fail is not None:
                error, hw.fail = hw.fail, None
                raise error
            status = hw.status
            if status.state is DeviceState.NO_MEDIA:
                raise PaperOut(status.detail or "paper out", reason=status.reason or "media-empty")
            if status.state is DeviceState.OFFLINE:
                raise DeviceOffline(status.detail or "printer offline",
                                    reason=status.reason or "offline")
            if status.state is DeviceState.ERROR:
                raise PrintFailed(status.detail or "printer error",
                                  reason=status.reason or "print-failed")
            job_id = hw.next_id
            hw.next_id += 1
            hw.out_dir.mkdir(parents=True, exist_ok=True)
            # Titles carry booking references, never names; still keep them file-name safe.
            safe = re.sub(r"[^\w.-]+", "_", title)[:60] or "job"
            path = hw.out_dir / f"{job_id:04d}-{safe}.pdf"
            path.write_bytes(pdf)
            hw.jobs.append(SimulatedJob(job_id, title, path, len(pdf)))
            return PrintResult(job_id=job_id, pages=pdf.count(b"/Type /Page\n") or None)


class SimulatedPrinterControl:
    """Scripts a `SimulatedPrinter` and shows what it printed. For tests and the demo's
    developer panel, never for the app's screens."""

    def __init__(self, printer: SimulatedPrinter) -> None:
        self._hw = printer._hw

    @property
    def out_dir(self) -> Path:
        return self._hw.out_dir

    @property
    def jobs(self) -> list[SimulatedJob]:
        """The last JOBS_KEPT jobs printed, oldest first (a copy)."""
        hw = self._hw
        with hw.lock:
            return list(hw.jobs)

    def set_status(self, state: DeviceState, reason: str | None = None, detail: str = "") -> None:
        """Script the printer's health (paper out, door open...); subscribers are told."""
        hw = self._hw
        with hw.lock:
            hw.status = status = DeviceStatus(state, reason, detail)
        hw.events.update(status)

    def fail_next(self, error: DeviceError) -> None:
        """Make the next print_pdf() raise `error` (e.g. PaperOut, DeviceOffline)."""
        hw = self._hw
        with hw.lock:
            hw.fail = error

    def flush_events(self, timeout: float = 5.0) -> bool:
        """Wait until the events published so far reached the printer's subscribers."""
        return self._hw.events.flush(timeout)


def simulated_printer(out_dir: str) -> tuple[SimulatedPrinter, SimulatedPrinterControl]:
    """A simulated printer (for the app) and its control handle (for tests and the demo)."""
    printer = SimulatedPrinter(out_dir)
    return printer, SimulatedPrinterControl(printer)
