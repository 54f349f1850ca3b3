"""Printing a slip once per tap: a lock against double taps, device errors turned into plain words
(the words are in kiosk/texts.py: print.*)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from devices.base import DeviceError

from kiosk.ports import PdfPrinter
from kiosk.texts import text

#: Device reasons (devices/printer) that have words of their own ("print.reason.<code>" in
#: kiosk.texts); any other reason is print.reason.other (打印机故障).
REASON_CODES = ("media-empty", "paper-out", "offline", "door-open", "media-jam", "toner-empty",
                "paused", "stopped", "not-accepting", "timeout", "job-aborted", "job-held",
                "job-stopped", "cups-unreachable", "queue-missing")
#: The same as a table, reason code → the resident's words (a view of kiosk.texts).
REASONS: dict[str, str] = {code: text(f"print.reason.{code}") for code in REASON_CODES}
BUSY = text("print.busy")


@dataclass
class PrintOutcome:
    printed: bool
    message: str
    busy: bool = False  # a tap while a job runs: says so, changes nothing


def device_reason(exc: DeviceError) -> str:
    """What went wrong with the printer, in the resident's words."""
    code = getattr(exc, "reason", None) or ""
    return text(f"print.reason.{code}" if code in REASON_CODES else "print.reason.other")


class SlipPrinting:
    """Renders and prints a slip; a second tap while a job runs does not print twice."""

    def __init__(self, printer: PdfPrinter, render: Any, timeout: float) -> None:
        self._printer = printer
        self._render = render
        self._timeout = timeout
        self._lock = threading.Lock()
        self.last: PrintOutcome | None = None

    def print(self, booking: Any) -> PrintOutcome:
        provisional = bool(getattr(booking, "provisional", False))
        if not self._lock.acquire(blocking=False):
            # Not the previous outcome: after a failure that would say "not printed" while
            # the reprint is printing.
            return PrintOutcome(False, text("print.busy"), busy=True)
        try:
            pdf = self._render(booking)
            self._printer.print_pdf(pdf, title=text("print.job_title",
                                                    reference=booking.reference),
                                    timeout=self._timeout)
        except DeviceError as exc:
            failed = "print.failed_provisional" if provisional else "print.failed"
            outcome = PrintOutcome(False, text(failed, reason=device_reason(exc)))
        else:
            outcome = PrintOutcome(True, text("print.printed_provisional" if provisional
                                              else "print.printed"))
        finally:
            self._lock.release()
        self.last = outcome
        return outcome
