"""The simulated printer writes PDFs to a folder and can be told to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.base import DeviceOffline, DeviceState, PaperOut, PrintFailed
from devices.printer.base import Printer, PrintResult
from devices.printer.simulated import SimulatedPrinter

PDF = b"%PDF-1.4\n1 0 obj<</Type /Page\n>>endobj\n%%EOF\n"


def test_writes_each_job(tmp_path: Path) -> None:
    printer = SimulatedPrinter(str(tmp_path / "out"))
    assert isinstance(printer, Printer)
    first = printer.print_pdf(PDF, title="预约凭证 JH1")
    second = printer.print_pdf(PDF, title="预约凭证 JH2")
    assert isinstance(first, PrintResult) and first.state == "completed"
    assert [j.job_id for j in printer.jobs] == [first.job_id, second.job_id]
    assert printer.jobs[0].path.read_bytes() == PDF
    assert printer.jobs[1].title == "预约凭证 JH2"


def test_paper_out_until_refilled(tmp_path: Path) -> None:
    printer = SimulatedPrinter(str(tmp_path))
    printer.set_status(DeviceState.NO_MEDIA, "media-empty")
    with pytest.raises(PaperOut) as info:
        printer.print_pdf(PDF, title="t")
    assert info.value.reason == "media-empty"
    assert printer.status().reason == "media-empty" and not printer.jobs
    printer.set_status(DeviceState.ONLINE)
    printer.print_pdf(PDF, title="t")
    assert len(printer.jobs) == 1


def test_fail_next_once(tmp_path: Path) -> None:
    printer = SimulatedPrinter(str(tmp_path))
    printer.fail_next(DeviceOffline(reason="offline"))
    with pytest.raises(DeviceOffline):
        printer.print_pdf(PDF, title="t")
    printer.print_pdf(PDF, title="t")


def test_refuses_what_is_not_a_pdf(tmp_path: Path) -> None:
    with pytest.raises(PrintFailed):
        SimulatedPrinter(str(tmp_path)).print_pdf(b"hello", title="t")
