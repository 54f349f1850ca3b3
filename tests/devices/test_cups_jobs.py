"""CupsPrinter follows jobs: scripted pycups connection for paths a real cupsd rarely takes."""

from __future__ import annotations

import os
from typing import Any

import cups
import pytest

import devices.printer.cups as backend
from devices.base import DeviceOffline, DeviceTimeout, PaperOut, PrintFailed
from devices.printer.cups import CupsPrinter

PDF = b"%PDF-1.4\n%%EOF\n"
IDLE = {"printer-state": 3, "printer-state-reasons": ["none"], "printer-is-accepting-jobs": True}


class FakeConnection:
    def __init__(self, job_states: list[dict[str, Any]], printer: dict[str, Any] | None = None,
                 submit_error: Exception | None = None) -> None:
        self.job_states = job_states
        self.printer = printer or IDLE
        self.submit_error = submit_error
        self.cancelled: list[int] = []
        self.submitted_paths: list[str] = []

    def getPrinterAttributes(self, name: str, requested_attributes: list[str]) -> dict[str, Any]:
        return self.printer

    def printFile(self, queue: str, path: str, title: str, options: dict[str, str]) -> int:
        self.submitted_paths.append(path)
        assert open(path, "rb").read() == PDF
        if self.submit_error:
            raise self.submit_error
        return 7

    def getJobAttributes(self, job_id: int, requested_attributes: list[str]) -> dict[str, Any]:
        return self.job_states.pop(0) if len(self.job_states) > 1 else self.job_states[0]

    def cancelJob(self, job_id: int, purge_job: bool = False) -> None:
        self.cancelled.append(job_id)


def printer_with(monkeypatch: pytest.MonkeyPatch, conn: FakeConnection) -> CupsPrinter:
    printer = CupsPrinter("kiosk", poll_interval=0.001)
    monkeypatch.setattr(printer, "_connect", lambda: conn)
    return printer


def test_completed_after_processing(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakeConnection([{"job-state": 3}, {"job-state": 5},
                           {"job-state": 9, "job-media-sheets-completed": 1}])
    result = printer_with(monkeypatch, conn).print_pdf(PDF, title="t")
    assert (result.job_id, result.state, result.pages) == (7, "completed", 1)
    assert not any(os.path.exists(p) for p in conn.submitted_paths), "temp file left behind"


def test_aborted_is_print_failed_with_reasons(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakeConnection([{"job-state": 8, "job-state-reasons": ["aborted-by-system"]}])
    with pytest.raises(PrintFailed) as info:
        printer_with(monkeypatch, conn).print_pdf(PDF, title="t")
    assert info.value.reason == "aborted-by-system"


def test_paper_running_out_mid_job(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakeConnection([{"job-state": 5}])
    printer = printer_with(monkeypatch, conn)
    calls = {"n": 0}

    def attributes(name: str, requested_attributes: list[str]) -> dict[str, Any]:
        calls["n"] += 1  # idle at submission, then the tray runs empty
        return IDLE if calls["n"] == 1 else {"printer-state": 5,
                                             "printer-state-reasons": ["media-empty-error"]}

    monkeypatch.setattr(conn, "getPrinterAttributes", attributes)
    with pytest.raises(PaperOut) as info:
        printer.print_pdf(PDF, title="t")
    assert info.value.reason == "media-empty" and conn.cancelled == [7]


def test_timeout_cancels_the_job(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakeConnection([{"job-state": 3}])
    with pytest.raises(DeviceTimeout):
        printer_with(monkeypatch, conn).print_pdf(PDF, title="t", timeout=0.02)
    assert conn.cancelled == [7]


def test_ipp_errors_become_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakeConnection([{"job-state": 9}],
                          submit_error=cups.IPPError(cups.IPP_NOT_ACCEPTING, "not accepting"))
    with pytest.raises(DeviceOffline) as info:
        printer_with(monkeypatch, conn).print_pdf(PDF, title="t")
    assert info.value.reason == "not-accepting"
    assert not any(os.path.exists(p) for p in conn.submitted_paths)


def test_refuses_non_pdf() -> None:
    with pytest.raises(PrintFailed):
        CupsPrinter("kiosk").print_pdf(b"not a pdf", title="t")


def test_backend_module_has_pycups() -> None:
    assert backend._cups is not None and CupsPrinter.is_usable()
