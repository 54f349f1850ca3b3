"""CUPS printer backend on pycups: submit a PDF, follow the job, map printer state."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from typing import Any

from devices.base import (DeviceError, DeviceOffline, DeviceState, DeviceStatus, DeviceTimeout,
                          DeviceUnusable, PaperOut, PrintFailed)
from devices.events import Listener, StatusEvents, Subscription
from devices.printer import ipp
from devices.printer.base import PrintResult

# The pycups module, or None without it (is_usable() says which); Any, so that the except
# clauses below need no None check.
_cups: Any
try:
    import cups as _cups
except ImportError:  # the backend reports itself unusable; the registry explains what to install
    _cups = None

log = logging.getLogger(__name__)

_PRINTER_ATTRS = ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs",
                  "printer-state-message"]
_JOB_ATTRS = ["job-state", "job-state-reasons", "job-media-sheets-completed",
              "job-impressions-completed"]


class CupsPrinter:
    """A CUPS queue. Every call opens its own connection: pycups connections are not
    thread-safe, and a fresh one survives a cupsd restart between two residents."""

    capabilities: frozenset[str] = frozenset({"pdf", "job-tracking", "status-reasons"})

    def __init__(self, queue: str, *, server: str | None = None,
                 poll_interval: float = 0.2) -> None:
        if _cups is None:
            raise DeviceUnusable("pycups is not installed", reason="library-missing")
        if not queue:
            raise DeviceUnusable("no CUPS queue configured", reason="bad-config")
        self.queue = queue
        self.server = server
        self.poll_interval = poll_interval
        self._events = StatusEvents(f"cups:{queue}", online="printer-online",
                                    offline="printer-offline", name="printer-events")

    @classmethod
    def is_usable(cls) -> bool:
        return _cups is not None

    def open(self) -> None:
        """Check that cupsd answers and the queue exists (raises DeviceOffline otherwise)."""
        self._printer_attributes(self._connect())

    def close(self) -> None:
        """Connections are per call; nothing to release."""

    # -- status -----------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        try:
            attrs = self._printer_attributes(self._connect())
        except DeviceOffline as exc:
            status = DeviceStatus(DeviceState.OFFLINE, exc.reason, str(exc))
        except DeviceError as exc:
            status = DeviceStatus(DeviceState.ERROR, exc.reason, str(exc))
        else:
            status = _status_from(attrs)
        # CUPS has no push channel we can hold open: a change is published when it is seen,
        # at each status() (the device manager polls every few seconds).
        self._events.update(status)
        return status

    def subscribe(self, listener: Listener) -> Subscription:
        """printer-online / printer-offline, on the events' own thread."""
        return self._events.subscribe(listener)

    def diagnostics(self) -> dict[str, Any]:
        """What a field technician needs: the queue, its state and reasons, its connection."""
        info: dict[str, Any] = {"backend": "cups", "queue": self.queue,
                                "server": self.server or "local"}
        try:
            attrs = self._printer_attributes(self._connect(),
                                             ("device-uri", "printer-make-and-model"))
        except DeviceError as exc:
            info.update(state=DeviceState.OFFLINE.value, reason=exc.reason, detail=str(exc))
            return info
        st = _status_from(attrs)
        # Only the URI's scheme: a network printer's address may carry credentials.
        info.update(state=st.state.value, reason=st.reason, detail=st.detail,
                    reasons=_as_list(attrs.get("printer-state-reasons")),
                    accepting=bool(attrs.get("printer-is-accepting-jobs", True)),
                    connection=str(attrs.get("device-uri", "")).split(":", 1)[0],
                    model=str(attrs.get("printer-make-and-model", "")))
        return info

    # -- printing ---------------------------------------------------------------------------
    def print_pdf(self, pdf: bytes, *, title: str, timeout: float = 60.0) -> PrintResult:
        if not pdf.startswith(b"%PDF-"):
            raise PrintFailed("not a PDF document", reason="document-format-error")
        conn = self._connect()
        _raise_unless_usable(_status_from(self._printer_attributes(conn)))
        job_id = self._submit(conn, pdf, title)
        log.info("print job %s submitted to %s", job_id, self.queue)
        deadline = time.monotonic() + timeout
        while True:
            job = self._job_attributes(conn, job_id)
            state = int(job.get("job-state", 0))
            if state == ipp.JOB_COMPLETED:
                pages = (job.get("job-media-sheets-completed")
                         or job.get("job-impressions-completed"))
                log.info("print job %s completed", job_id)
                return PrintResult(job_id=job_id, pages=int(pages) if pages else None)
            reasons = ipp.meaningful_job_reasons(_as_list(job.get("job-state-reasons")))
            if state in (ipp.JOB_ABORTED, ipp.JOB_CANCELED):
                said = self._raise_for_printer(conn)
                verb = "aborted" if state == ipp.JOB_ABORTED else "canceled"
                # The queue may look fine again (error policy abort-job): what the backend
                # last said ("The printer is not responding.") is then the only clue.
                raise PrintFailed(f"job {job_id} {verb}: {', '.join(reasons) or 'no reason'}"
                                  + (f"; printer: {said}" if said else ""),
                                  reason=reasons[0] if reasons else f"job-{verb}")
            if state in (ipp.JOB_HELD, ipp.JOB_STOPPED):
                # A held or stopped job would come out later for whoever stands there then.
                self._cancel(conn, job_id)
                self._raise_for_printer(conn)
                what = "held" if state == ipp.JOB_HELD else "stopped"
                raise PrintFailed(f"job {job_id} {what}: {', '.join(reasons) or 'no reason'}",
                                  reason=f"job-{what}")
            # Pending or processing: fail fast if the printer stopped (paper out, paused...).
            printer = _status_from(self._printer_attributes(conn))
            if not printer.usable:
                self._cancel(conn, job_id)
                _raise_unless_usable(printer)
            if time.monotonic() >= deadline:
                self._cancel(conn, job_id)
                raise DeviceTimeout(f"job {job_id} not completed within {timeout:g} s")
            time.sleep(self.poll_interval)

    # -- pycups calls, each turning library errors into typed ones -----------------------------
    def _connect(self) -> Any:
        assert _cups is not None
        try:
            return _cups.Connection(host=self.server) if self.server else _cups.Connection()
        except RuntimeError as exc:  # pycups raises RuntimeError when cupsd is unreachable
            raise DeviceOffline(f"cannot reach cupsd: {exc}", reason="cups-unreachable") from None

    def _printer_attributes(self, conn: Any, extra: tuple[str, ...] = ()) -> dict[str, Any]:
        try:
            return dict(conn.getPrinterAttributes(
                self.queue, requested_attributes=_PRINTER_ATTRS + list(extra)))
        except _cups.IPPError as exc:
            raise self._ipp_error(exc) from None
        except _cups.HTTPError as exc:
            raise DeviceOffline(f"cupsd HTTP error {exc.args}", reason="cups-unreachable") from None

    def _submit(self, conn: Any, pdf: bytes, title: str) -> int:
        fd, path = tempfile.mkstemp(prefix="kiosk-print-", suffix=".pdf")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
            # cupsd copies the document into its spool during the call, so the file can go.
            return int(conn.printFile(self.queue, path, title, {}))
        except _cups.IPPError as exc:
            raise self._ipp_error(exc) from None
        except _cups.HTTPError as exc:
            raise DeviceOffline(f"cupsd HTTP error {exc.args}", reason="cups-unreachable") from None
        finally:
            os.unlink(path)

    def _job_attributes(self, conn: Any, job_id: int) -> dict[str, Any]:
        try:
            return dict(conn.getJobAttributes(job_id, requested_attributes=_JOB_ATTRS))
        except _cups.IPPError as exc:
            raise PrintFailed(f"job {job_id} vanished: {_ipp_text(exc)}",
                              reason="job-missing") from None

    def _cancel(self, conn: Any, job_id: int) -> None:
        try:
            conn.cancelJob(job_id, purge_job=True)
        except _cups.IPPError as exc:
            # Already finished or gone: nothing left that could print later.
            log.warning("could not cancel print job %s: %s", job_id, _ipp_text(exc))

    def _raise_for_printer(self, conn: Any) -> str:
        """Raise when the printer is unusable; else return its state message (may be "")."""
        try:
            attrs = self._printer_attributes(conn)
        except DeviceError:
            return ""
        _raise_unless_usable(_status_from(attrs))
        return str(attrs.get("printer-state-message") or "")

    def _ipp_error(self, exc: Exception) -> DeviceError:
        assert _cups is not None
        code = exc.args[0] if exc.args else None
        text = _ipp_text(exc)
        if code == _cups.IPP_NOT_FOUND:
            return DeviceOffline(f"CUPS queue {self.queue!r} does not exist",
                                 reason="queue-missing")
        if code == _cups.IPP_NOT_ACCEPTING:
            return DeviceOffline(f"CUPS queue {self.queue!r} is not accepting jobs: {text}",
                                 reason="not-accepting")
        if code in (_cups.IPP_NOT_AUTHORIZED, _cups.IPP_FORBIDDEN, _cups.IPP_NOT_AUTHENTICATED):
            return DeviceUnusable(f"CUPS refused access to {self.queue!r}: {text}",
                                  reason="not-authorized")
        if code == _cups.IPP_SERVICE_UNAVAILABLE:
            return DeviceOffline(f"cupsd unavailable: {text}", reason="cups-unreachable")
        return PrintFailed(f"CUPS error on {self.queue!r}: {text}", reason="ipp-error")


def _status_from(attrs: dict[str, Any]) -> DeviceStatus:
    return ipp.map_printer_status(
        int(attrs.get("printer-state", ipp.PRINTER_IDLE)),
        _as_list(attrs.get("printer-state-reasons")),
        bool(attrs.get("printer-is-accepting-jobs", True)),
        str(attrs.get("printer-state-message") or ""))


def _raise_unless_usable(status: DeviceStatus) -> None:
    if status.state is DeviceState.NO_MEDIA:
        raise PaperOut(status.detail or "printer has no paper",
                       reason=status.reason or "media-empty")
    if status.state is DeviceState.OFFLINE:
        raise DeviceOffline(status.detail or "printer offline", reason=status.reason or "offline")
    if status.state is DeviceState.ERROR:
        raise PrintFailed(status.detail or "printer error", reason=status.reason or "print-failed")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _ipp_text(exc: Exception) -> str:
    return str(exc.args[1]) if len(exc.args) > 1 else str(exc)
