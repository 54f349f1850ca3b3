"""The appointment slip: extractable CJK text, masked data only, a QR code of the reference."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import segno

from kiosk.printouts import slip
from kiosk.fonts import find_cjk_font
from services.schemas import Booking

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


def test_qr_matrix_encodes_the_reference(booking: Booking) -> None:
    matrix = slip.qr_matrix(booking.reference)
    expected = segno.make(booking.reference, error="m")
    assert matrix == [[bool(v) for v in row] for row in expected.matrix]
    assert len(matrix) == expected.symbol_size(border=0)[0]


def test_printed_qr_matches_the_matrix(booking: Booking, font_path: str, tmp_path: Path) -> None:
    """Rasterise the slip and sample each module: what is drawn is the reference's QR code."""
    pdf = slip.render_booking_slip(booking, font_path=font_path, terminal_name="T",
                                   printed_at=PRINTED_AT)
    (tmp_path / "slip.pdf").write_bytes(pdf)
    dpi = 288
    subprocess.run(["pdftoppm", "-gray", "-r", str(dpi), "-singlefile", str(tmp_path / "slip.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    width, height, pixels = read_pgm(tmp_path / "page.pgm")
    scale = dpi / 72
    matrix = slip.qr_matrix(booking.reference)
    n = len(matrix) + 8
    module = slip.QR_SIZE / n
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            x_pt = slip.QR_X + (col + 4 + 0.5) * module
            y_pt = slip.QR_Y + slip.QR_SIZE - (r + 4 + 0.5) * module
            px, py = int(x_pt * scale), int(height - y_pt * scale)
            assert (pixels[py * width + px] < 128) == dark, (r, col)


def read_pgm(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    parts = data.split(maxsplit=4)
    assert parts[0] == b"P5"
    width, height = int(parts[1]), int(parts[2])
    return width, height, parts[4][: width * height]


def test_rendering_is_pure(booking: Booking, font_path: str) -> None:
    kwargs = dict(font_path=font_path, terminal_name="T", printed_at=PRINTED_AT)
    first = slip.render_booking_slip(booking, **kwargs)  # type: ignore[arg-type]  # kwargs typed loosely
    second = slip.render_booking_slip(booking, **kwargs)  # type: ignore[arg-type]  # kwargs typed loosely
    assert len(first) > 1000 and abs(len(first) - len(second)) < 64
