"""The appointment slip: extractable CJK text, masked data only, a QR code of the reference."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.flows.booking.provisional import ProvisionalBooking
from kiosk.printouts import slip
from kiosk.fonts import find_cjk_font
from services.schemas import Booking
from tests.slip_pdf import SCAN_DPI, scan_qr

CHINA = timezone(timedelta(hours=8))
PRINTED_AT = datetime(2025, 1, 5, 20, 15, tzinfo=CHINA)


@pytest.fixture(scope="module")
def font_path() -> str:
    return find_cjk_font()


@pytest.fixture()
def booking() -> Booking:
    start = datetime(2025, 1, 6, 9, 30, tzinfo=CHINA)
    return Booking(
        reference="JH250106-0042", status="confirmed", item_id="ITEM-0001",
        item_name="城乡居民基本养老保险待遇申领（含跨省通办长期居住外省人员）",
        hall_id="HALL-01", hall_name="江汉市东湖区政务服务中心",
        hall_address="江汉市东湖区青山路88号市民之家二楼", slot_id="SLOT-1",
        date=start.date(), start=start, end=start + timedelta(minutes=30),
        resident_name_masked="李*英", id_number_masked="4207**********1020",
        created_at=datetime(2025, 1, 5, 20, 15, tzinfo=CHINA))


@pytest.fixture()
def provisional_booking(booking: Booking) -> ProvisionalBooking:
    # The local reference of an offline booking: longer than the platform's (date, counter,
    # terminal id), so its code is a size larger.
    return ProvisionalBooking(
        reference="L250106-003-JH-DH-QS-0001", idempotency_key="k", outbox_item=3,
        item_name=booking.item_name, hall_name=booking.hall_name,
        hall_address=booking.hall_address, date=booking.date, start=booking.start,
        end=booking.end, resident_name_masked=booking.resident_name_masked,
        id_number_masked=booking.id_number_masked)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "slip.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          text=True, check=True, timeout=30).stdout


def test_text_is_extractable_and_complete(booking: Booking, font_path: str,
                                          tmp_path: Path) -> None:
    pdf = slip.render_booking_slip(booking, font_path=font_path, terminal_name="青山街道 1号机",
                                   printed_at=PRINTED_AT)
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf, tmp_path)
    flat = "".join(text.split())  # long values wrap across lines
    for expected in ("预约凭证", booking.reference, "李*英", "4207**********1020",
                     booking.hall_name, booking.hall_address, "2025年1月6日", "星期一",
                     "09:30–10:00", "请携带本人身份证原件", "2025-01-0520:15", "青山街道1号机",
                     "".join(booking.item_name.split())):
        assert expected in flat, expected
    assert "待确认" not in text


def test_provisional_slip_says_so(booking: Booking, font_path: str, tmp_path: Path) -> None:
    pdf = slip.render_booking_slip(booking, font_path=font_path, terminal_name="T",
                                   printed_at=PRINTED_AT, provisional=True)
    text = pdf_text(pdf, tmp_path)
    assert "临时凭证" in text and "短信" in text


#: What a slip may say only on a terminal that offers changing and cancelling a booking.
TERMINAL_PROMISE = "使用自助终端"


@pytest.mark.parametrize("kind", ["confirmed", "provisional"])
def test_the_terminal_is_promised_for_changes_only_when_it_offers_them(
        kind: str, booking: Booking, provisional_booking: ProvisionalBooking, font_path: str,
        tmp_path: Path) -> None:
    slip_of = booking if kind == "confirmed" else provisional_booking

    def flat_text(**options: bool) -> str:
        pdf = slip.render_booking_slip(slip_of, font_path=font_path, terminal_name="T",
                                       printed_at=PRINTED_AT, **options)
        return "".join(pdf_text(pdf, tmp_path).split())

    hotline_only = flat_text()  # the terminal has no my-bookings service yet
    assert "如需改约或取消" in hotline_only and "12345" in hotline_only
    assert TERMINAL_PROMISE not in hotline_only
    both = flat_text(change_at_terminal=True)
    assert TERMINAL_PROMISE in both and "12345" in both


def test_metadata_has_no_personal_data(booking: Booking, font_path: str,
                                       tmp_path: Path) -> None:
    pdf = slip.render_booking_slip(booking, font_path=font_path, terminal_name="T",
                                   printed_at=PRINTED_AT)
    (tmp_path / "slip.pdf").write_bytes(pdf)
    info = subprocess.run(["pdfinfo", "-enc", "UTF-8", str(tmp_path / "slip.pdf")],
                          capture_output=True, text=True, check=True, timeout=30).stdout
    assert f"预约凭证 {booking.reference}" in info
    assert "李" not in info and "1020" not in info
    assert re.search(r"^Pages:\s+1$", info, re.M)


@pytest.mark.parametrize("dpi", SCAN_DPI)
@pytest.mark.parametrize("kind", ["confirmed", "provisional"])
def test_printed_code_scans_to_the_reference(kind: str, dpi: int, booking: Booking,
                                             provisional_booking: ProvisionalBooking,
                                             font_path: str, tmp_path: Path) -> None:
    """Render the slip as paper and read it as a hall scanner does (a plain
    cv2.QRCodeDetector on the whole page): a full QR code holding the reference."""
    slip_of = booking if kind == "confirmed" else provisional_booking
    pdf = tmp_path / "slip.pdf"
    pdf.write_bytes(slip.render_booking_slip(slip_of, font_path=font_path, terminal_name="T",
                                             printed_at=PRINTED_AT))
    assert scan_qr(pdf, dpi) == slip_of.reference


def test_rendering_is_pure(booking: Booking, font_path: str) -> None:
    kwargs = dict(font_path=font_path, terminal_name="T", printed_at=PRINTED_AT)
    first = slip.render_booking_slip(booking, **kwargs)  # type: ignore[arg-type]  # kwargs typed loosely
    second = slip.render_booking_slip(booking, **kwargs)  # type: ignore[arg-type]  # kwargs typed loosely
    assert len(first) > 1000 and abs(len(first) - len(second)) < 64
