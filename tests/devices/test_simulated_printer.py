"""The simulated printer writes PDFs to a folder; its control handle tells it to fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.base import DeviceOffline, DeviceState, PaperOut, PrintFailed
from devices.printer.base import Printer, PrintResult
from devices.printer.simulated import (JOBS_KEPT, SimulatedPrinter, SimulatedPrinterControl,
                                       simulated_printer)

PDF = b"%PDF-1.4\n1 0 obj<</Type /Page\n>>endobj\n%%EOF\n"


def test_writes_each_job(tmp_path: Path) -> None:
    printer, control = simulated_printer(str(tmp_path / "out"))
    assert isinstance(printer, Printer)
    first = printer.print_pdf(PDF, title="预约凭证 JH1")
    second = printer.print_pdf(PDF, title="预约凭证 JH2")
    assert isinstance(first, PrintResult) and first.state == "completed"
    assert [j.job_id for j in control.jobs] == [first.job_id, second.job_id]
    assert control.jobs[0].path.read_bytes() == PDF
    assert control.jobs[1].title == "预约凭证 JH2"
    assert control.jobs[0].path.parent == control.out_dir == printer.out_dir == tmp_path / "out"


def test_keeps_only_the_last_jobs(tmp_path: Path) -> None:
    """A demo or a soak prints for days: the list of jobs must not grow without end."""
    printer, control = simulated_printer(str(tmp_path))
    ids = [printer.print_pdf(PDF, title=f"t{n}").job_id for n in range(JOBS_KEPT + 5)]
    assert [j.job_id for j in control.jobs] == ids[-JOBS_KEPT:]
    assert printer.diagnostics()["jobs"] == JOBS_KEPT + 5


def test_paper_out_until_refilled(tmp_path: Path) -> None:
    printer, control = simulated_printer(str(tmp_path))
    control.set_status(DeviceState.NO_MEDIA, "media-empty")
    with pytest.raises(PaperOut) as info:
        printer.print_pdf(PDF, title="t")
    assert info.value.reason == "media-empty"
    assert printer.status().reason == "media-empty" and not control.jobs
    control.set_status(DeviceState.ONLINE)
    printer.print_pdf(PDF, title="t")
    assert len(control.jobs) == 1


def test_fail_next_once(tmp_path: Path) -> None:
    printer, control = simulated_printer(str(tmp_path))
    control.fail_next(DeviceOffline(reason="offline"))
    with pytest.raises(DeviceOffline):
        printer.print_pdf(PDF, title="t")
    assert control.jobs == []
    printer.print_pdf(PDF, title="t")
    assert len(control.jobs) == 1


def test_refuses_what_is_not_a_pdf(tmp_path: Path) -> None:
    with pytest.raises(PrintFailed):
        SimulatedPrinter(str(tmp_path)).print_pdf(b"hello", title="t")


def test_the_printer_has_no_levers_of_the_simulation(tmp_path: Path) -> None:
    # The app gets the printer; only tests and the demo's developer panel get the control.
    printer, _control = simulated_printer(str(tmp_path))
    for lever in ("fail_next", "set_status", "jobs"):
        assert not hasattr(printer, lever), lever
    public = {n for n in dir(printer) if not n.startswith("_")}
    assert public == {"capabilities", "is_usable", "open", "close", "status", "diagnostics",
                      "subscribe", "print_pdf", "out_dir"}


def test_control_fail_next_makes_print_pdf_raise(tmp_path: Path) -> None:
    printer = SimulatedPrinter(str(tmp_path))
    control = SimulatedPrinterControl(printer)  # a control for a printer built elsewhere
    control.fail_next(PaperOut("jammed", reason="media-jam"))
    with pytest.raises(PaperOut) as info:
        printer.print_pdf(PDF, title="t")
    assert info.value.reason == "media-jam" and control.jobs == []


def test_offline_and_error_are_scripted_through_the_control(tmp_path: Path) -> None:
    printer, control = simulated_printer(str(tmp_path))
    control.set_status(DeviceState.OFFLINE, "cable-unplugged", "USB cable out")
    with pytest.raises(DeviceOffline) as offline:
        printer.print_pdf(PDF, title="t")
    assert offline.value.reason == "cable-unplugged"
    control.set_status(DeviceState.ERROR, "cover-open")
    with pytest.raises(PrintFailed) as failed:
        printer.print_pdf(PDF, title="t")
    assert failed.value.reason == "cover-open" and control.jobs == []
