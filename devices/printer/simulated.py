"""A simulated printer that writes each PDF to a folder (for the demo and development)."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.base import (DeviceError, DeviceOffline, DeviceState, DeviceStatus, PaperOut,
                          PrintFailed)
from devices.events import Listener, StatusEvents, Subscription
from devices.printer.base import PrintResult


@dataclass(frozen=True)
class SimulatedJob:
    job_id: int
    title: str
    path: Path
    size: int


class SimulatedPrinter:
    """Records every job in `jobs` and writes it to `out_dir/<job id>-<title>.pdf`.

    `set_status()` scripts a lasting condition (paper out, offline); `fail_next()` a one-off
    failure of the next job.
    """

    capabilities: frozenset[str] = frozenset({"pdf", "simulated"})

    def __init__(self, out_dir: str) -> None:
        self.out_dir = Path(out_dir)
        self.jobs: list[SimulatedJob] = []
        self._lock = threading.Lock()
        self._status = DeviceStatus(DeviceState.ONLINE)
        self._events = StatusEvents("simulated-printer", online="printer-online",
                                    offline="printer-offline", name="printer-events")
        self._events.baseline(self._status)
        self._fail: DeviceError | None = None
        self._next_id = 1

    @classmethod
    def is_usable(cls) -> bool:
        return True

    def open(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        """Nothing to release."""

    def status(self) -> DeviceStatus:
        with self._lock:
            return self._status

    def diagnostics(self) -> dict[str, Any]:
        st = self.status()
        return {"backend": "simulated", "out_dir": str(self.out_dir), "jobs": len(self.jobs),
                "state": st.state.value, "reason": st.reason}

    def set_status(self, state: DeviceState, reason: str | None = None, detail: str = "") -> None:
        """Script the printer's health (paper out, door open...); subscribers are told."""
        with self._lock:
            self._status = status = DeviceStatus(state, reason, detail)
        self._events.update(status)

    def subscribe(self, listener: Listener) -> Subscription:
        return self._events.subscribe(listener)

    def fail_next(self, error: DeviceError) -> None:
        with self._lock:
            self._fail = error

    def print_pdf(self, pdf: bytes, *, title: str, timeout: float = 60.0) -> PrintResult:
        if not pdf.startswith(b"%PDF-"):
            raise PrintFailed("not a PDF document", reason="document-format-error")
        with self._lock:
            if self._fail is not None:
                error, self._fail = self._fail, None
                raise error
            status = self._status
            if status.state is DeviceState.NO_MEDIA:
                raise PaperOut(status.detail or "paper out", reason=status.reason or "media-empty")
            if status.state is DeviceState.OFFLINE:
                raise DeviceOffline(status.detail or "printer offline",
                                    reason=status.reason or "offline")
            if status.state is DeviceState.ERROR:
                raise PrintFailed(status.detail or "printer error",
                                  reason=status.reason or "print-failed")
            job_id = self._next_id
            self._next_id += 1
            self.out_dir.mkdir(parents=True, exist_ok=True)
            # Titles carry booking references, never names; still keep them file-name safe.
            safe = re.sub(r"[^\w.-]+", "_", title)[:60] or "job"
            path = self.out_dir / f"{job_id:04d}-{safe}.pdf"
            path.write_bytes(pdf)
            self.jobs.append(SimulatedJob(job_id, title, path, len(pdf)))
            return PrintResult(job_id=job_id, pages=pdf.count(b"/Type /Page\n") or None)
