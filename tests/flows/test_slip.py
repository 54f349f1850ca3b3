"""The appointment slip: extractable CJK text, masked data only, a full QR code of the reference
that a scanner reads, honest guidance, the large-type slip of 长辈模式, nothing overlapping."""

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
from tests import slip_pdf
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


#: A provisional slip's local reference (OfflineBookings.next_reference: date, counter,
#: terminal id) with a long terminal id: its code is a size larger (version 2).
LONG_LOCAL_REFERENCE = "L250106-003-JH-DONGHU-QS-01"


@pytest.fixture(params=["confirmed", "provisional", "provisional-long-id"])
def any_slip(booking: Booking, request: pytest.FixtureRequest) -> Booking | ProvisionalBooking:
    """A confirmed booking, and offline ones with a usual and a long terminal id."""
    if request.param == "confirmed":
        return booking
    return ProvisionalBooking(
        reference="L250106-003-T-0001" if request.param == "provisional"
        else LONG_LOCAL_REFERENCE, idempotency_key="k", outbox_item=3,
        item_name=booking.item_name, hall_name=booking.hall_name,
        hall_address=booking.hall_address, date=booking.date, start=booking.start,
        end=booking.end, resident_name_masked=booking.resident_name_masked,
        id_number_masked=booking.id_number_masked)


def render(path: Path, slip_of: Booking | ProvisionalBooking, font_path: str,
           **options: bool) -> Path:
    path.write_bytes(slip.render_booking_slip(slip_of, font_path=font_path,
                                              terminal_name="青山街道 1号机",
                                              printed_at=PRINTED_AT, **options))
    return path


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
    assert "取号机" not in text  # no platform reference yet for the ticket machine


#: What a slip may say only on a terminal that offers changing and cancelling a booking.
TERMINAL_PROMISE = "使用自助终端"


def test_the_terminal_is_promised_for_changes_only_when_it_offers_them(
        any_slip: Booking | ProvisionalBooking, font_path: str, tmp_path: Path) -> None:
    def flat_text(**options: bool) -> str:
        return "".join(slip_pdf.pdf_text(render(tmp_path / "slip.pdf", any_slip, font_path,
                                                **options)).split())

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
def test_printed_code_scans_to_the_reference(any_slip: Booking | ProvisionalBooking, dpi: int,
                                             font_path: str, tmp_path: Path) -> None:
    """Render the slip as paper and read it as a hall scanner does (a plain
    cv2.QRCodeDetector on the whole page): a full QR code holding the reference."""
    pdf = render(tmp_path / "slip.pdf", any_slip, font_path)
    assert scan_qr(pdf, dpi) == any_slip.reference


def test_elderly_slip_sets_the_key_lines_larger(any_slip: Booking | ProvisionalBooking,
                                                font_path: str, tmp_path: Path) -> None:
    """长辈模式: the reference, the date and time, the hall and its address at 1.4x or more;
    everything else still there, the code still read at every resolution."""
    normal = render(tmp_path / "normal.pdf", any_slip, font_path)
    elderly = render(tmp_path / "elderly.pdf", any_slip, font_path, elderly=True)
    flat = "".join(slip_pdf.pdf_text(elderly).split())
    for expected in (any_slip.reference, "李*英", "4207**********1020", any_slip.hall_name,
                     any_slip.hall_address, "2025年1月6日星期一09:30–10:00", "请携带本人身份证原件",
                     "12345", "青山街道1号机", "".join(any_slip.item_name.split())):
        assert expected in flat, expected
    small, large = slip_pdf.pdf_words(normal), slip_pdf.pdf_words(elderly)

    def ratio(part: str) -> float:
        return slip_pdf.word_height(large, part) / slip_pdf.word_height(small, part)

    for part in ("星期一", "09:30–10:00", any_slip.hall_name, "青山路"):
        assert ratio(part) >= 1.4, (part, ratio(part))
    # A reference too long for the panel at the large size is set to fit: still larger.
    assert ratio(any_slip.reference) >= (1.1 if any_slip.reference == LONG_LOCAL_REFERENCE
                                         else 1.4)
    for dpi in SCAN_DPI:
        assert scan_qr(elderly, dpi) == any_slip.reference, dpi


@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_nothing_overlaps_or_runs_off_the_slip(any_slip: Booking | ProvisionalBooking,
                                               elderly: bool, font_path: str,
                                               tmp_path: Path) -> None:
    pdf = render(tmp_path / "slip.pdf", any_slip, font_path, elderly=elderly)
    words, cut, code = slip_pdf.pdf_words(pdf), slip_pdf.cut_line(pdf), slip_pdf.qr_box(pdf)
    assert cut < slip.PAGE_H - slip.MARGIN  # the cut line itself is on the sheet
    for i, w in enumerate(words):
        assert slip.MARGIN - 0.5 <= w.x_min and w.x_max <= slip.PAGE_W - slip.MARGIN + 0.5, w
        assert w.y_max < cut, (w, cut)  # above the cut line: on the resident's slip
        assert not _overlap(w.box, code), w
        for other in words[i + 1:]:
            assert not _overlap(w.box, other.box), (w, other)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    # Boxes of adjacent runs (Chinese, then Latin) touch; ink that collides overlaps by more.
    return min(a[2], b[2]) - max(a[0], b[0]) > 1.0 and min(a[3], b[3]) - max(a[1], b[1]) > 1.0


def test_rendering_is_pure(booking: Booking, font_path: str) -> None:
    kwargs = dict(font_path=font_path, terminal_name="T", printed_at=PRINTED_AT)
    first = slip.render_booking_slip(booking, **kwargs)  # type: ignore[arg-type]  # kwargs typed loosely
    second = slip.render_booking_slip(booking, **kwargs)  # type: ignore[arg-type]  # kwargs typed loosely
    assert len(first) > 1000 and abs(len(first) - len(second)) < 64
