"""A booking slip printed through a real cupsd (cups-pdf queue) carries the masked data only and
a code a scanner reads."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from devices.base import PrintFailed
from devices.printer.cups import CupsPrinter
from kiosk.printouts.slip import render_booking_slip
from services.schemas import Booking
from tests.slip_pdf import SCAN_DPI, scan_qr

CHINA = timezone(timedelta(hours=8))
# The resident behind the `booking` fixture (see conftest.py): must never appear in full.
FULL_NAME = "张明华"
FULL_ID = "420702198503121011"

pytestmark = pytest.mark.cups


def _job_pdf(pdf_dir: Path, job_id: int) -> Path:
    # cups-pdf names its output "<title>-job_<id>.pdf" (Label 2 in the queue's config).
    matches = list(pdf_dir.glob(f"*job_{job_id}.pdf"))
    assert len(matches) == 1, f"no cups-pdf output for job {job_id} in {sorted(pdf_dir.iterdir())}"
    return matches[0]


def test_printed_slip_holds_masked_name_and_reference(cups_queue: str, pdf_dir: Path,
                                                      font_path: str, booking: Booking) -> None:
    pdf = render_booking_slip(booking, font_path=font_path, terminal_name="测试终端 T-01",
                              printed_at=datetime(2025, 1, 5, 20, 15, tzinfo=CHINA))
    printer = CupsPrinter(cups_queue, poll_interval=0.1)
    result = printer.print_pdf(pdf, title=f"预约凭证 {booking.reference}", timeout=60)
    assert result.state == "completed" and result.job_id > 0

    out = _job_pdf(pdf_dir, result.job_id)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(out), "-"], capture_output=True,
                          text=True, check=True, timeout=30).stdout
    assert booking.reference in text
    assert "张*华" in text
    assert "4207**********1011" in text
    assert "预约凭证" in text and booking.hall_name in text
    assert FULL_NAME not in text and FULL_ID not in text
    # The code survives CUPS (pdftocairo, ghostscript in cups-pdf): read from what was printed.
    for dpi in SCAN_DPI:
        assert scan_qr(out, dpi) == booking.reference, f"code not read at {dpi} dpi"


def test_held_job_is_cancelled_and_reported(cups_queue: str, font_path: str,
                                            booking: Booking) -> None:
    pdf = render_booking_slip(booking, font_path=font_path, terminal_name="T-01",
                              printed_at=datetime(2025, 1, 5, 20, 15, tzinfo=CHINA))
    subprocess.run(["lpadmin", "-p", cups_queue, "-o", "job-hold-until-default=indefinite"],
                   check=True, timeout=20)
    try:
        with pytest.raises(PrintFailed) as info:
            CupsPrinter(cups_queue, poll_interval=0.05).print_pdf(pdf, title="kiosk held test")
    finally:
        subprocess.run(["lpadmin", "-p", cups_queue, "-o", "job-hold-until-default=no-hold"],
                       check=True, timeout=20)
    assert info.value.reason == "job-held"
    # Cancelled, so it cannot come out later for the next resident.
    jobs = subprocess.run(["lpstat", "-o", cups_queue], capture_output=True, text=True,
                          timeout=20).stdout
    assert jobs.strip() == ""
