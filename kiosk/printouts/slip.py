"""The appointment slip (预约凭证): an A4 PDF with a full QR code of the reference, no Kivy."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from services.schemas import Booking

from kiosk.flows.booking.provisional import ProvisionalBooking
from kiosk.texts import WEEKDAYS

from .qr import draw_qr, make_qr
from .text import PdfText, register_cjk

MUTED = HexColor("#555555")
ACCENT = HexColor("#b3261e")  # 政务 red for the title rule
PANEL = HexColor("#f3f3f3")

PAGE_W, PAGE_H = A4
MARGIN = 42.0
SLIP_BOTTOM = PAGE_H / 2  # the cut line sits here or under the footer, whichever is lower
# Where the QR code sits (PDF points, origin bottom left), quiet zone included.
QR_SIZE = 132.0
QR_X = PAGE_W - MARGIN - QR_SIZE
QR_Y = PAGE_H - MARGIN - 52 - QR_SIZE

ARRIVE = "请携带本人身份证原件，在预约时段开始前 10 分钟到达办事大厅。"
SCAN = "到达后在取号机扫描上方二维码，或向窗口出示预约号取号。"
# Paper outlives the session: it names only the ways to change a booking that exist.
CHANGE_AT_TERMINAL = "如需改约或取消，请使用自助终端，或拨打 12345 政务服务热线。"
CHANGE_BY_HOTLINE = "如需改约或取消，请拨打 12345 政务服务热线。"
#: A slip printed offline: what happens next, in plain words (issue 4).
PROVISIONAL_NOTES = (
    "这是临时凭证：本机暂时连不上平台，预约将在网络恢复后提交。",
    "平台会确认原时段；若已约满，改约到同一大厅最近的空闲时段；实在没有则告知未能预约。",
    "结果以短信为准，短信中有正式预约号；您下次在本机刷证时也会看到结果。",
)


def render_booking_slip(booking: Booking | ProvisionalBooking, *, font_path: str,
                        terminal_name: str, printed_at: datetime,
                        provisional: bool = False, change_at_terminal: bool = False) -> bytes:
    """Return the slip as PDF bytes.

    Only the masked name and ID number that the booking carries are printed. `provisional`
    marks a booking that is still waiting in the outbox for the platform to confirm it.
    `change_at_terminal`: the terminal offers changing and cancelling a booking, so the slip
    may send the resident there (otherwise to the 12345 hotline only).
    """
    provisional = provisional or isinstance(booking, ProvisionalBooking)
    cjk = register_cjk(font_path)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    # Metadata is readable by anyone holding the file: the reference only, no personal data.
    c.setTitle(f"预约凭证 {booking.reference}")
    c.setSubject("政务服务预约凭证")
    c.setCreator("gov-kiosk")
    c.setAuthor(terminal_name)
    t = PdfText(c, cjk)

    top = PAGE_H - MARGIN
    left, right = MARGIN, PAGE_W - MARGIN
    # Title and the terminal it was printed on.
    t.draw(left, top - 26, "预约凭证", 26, bold=True)
    t.draw(left + 122, top - 24, "政务服务办事预约", 12, color=MUTED)
    c.setStrokeColor(ACCENT)
    c.setLineWidth(2.2)
    c.line(left, top - 38, right, top - 38)
    if provisional:
        _stamp(t, right - 150, top - 27, "待确认 · 临时凭证")

    # QR code and reference on the right.
    qr_size, qr_x, qr_y = QR_SIZE, QR_X, QR_Y
    draw_qr(c, make_qr(booking.reference), qr_x, qr_y, qr_size)
    t.draw_centered(qr_x + qr_size / 2, qr_y - 14,
                    "临时编号（工作人员可扫码查询）" if provisional else "取号时扫描此码", 9,
                    color=MUTED)

    # What, where and when on the left.
    col_w = qr_x - left - 24
    y = top - 70
    y = _field(t, left, y, "办理事项", booking.item_name, col_w, size=15, bold=True)
    y = _field(t, left, y, "办事大厅", booking.hall_name, col_w, size=13)
    y = _field(t, left, y, "地　　址", booking.hall_address, col_w, size=11)
    day = booking.date
    # The paper says 星期一 where the screen says 周一: the day names are the table's.
    when = (f"{day.year}年{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}  "
            f"{booking.start:%H:%M}–{booking.end:%H:%M}")
    y = _field(t, left, y, "预约时间", when, col_w, size=15, bold=True)

    # The reference, large, across the page: residents read it out at the window.
    y = min(y, qr_y - 30) - 8
    c.setFillColor(PANEL)
    c.roundRect(left, y - 50, right - left, 50, 6, stroke=0, fill=1)
    t.draw(left + 14, y - 31, "临时编号" if provisional else "预约号", 13, color=MUTED)
    t.draw(left + (84 if provisional else 70), y - 35, booking.reference, 28, bold=True)
    y -= 72

    # Who booked, masked as on the screen.
    t.draw(left, y, f"预约人  {booking.resident_name_masked}", 12)
    t.draw(left + 170, y, f"证件号码  {booking.id_number_masked}", 12)
    y -= 26

    for line in guidance(provisional=provisional, change_at_terminal=change_at_terminal):
        t.draw(left, y, "• " + line, 11)
        y -= 17
    if provisional:
        for line in PROVISIONAL_NOTES:
            t.draw(left, y, "• " + line, 11, color=ACCENT)
            y -= 17

    # Footer: when and where it was printed, then the cut line.
    footer = (f"打印时间 {printed_at:%Y-%m-%d %H:%M}    打印终端 {terminal_name}    "
              f"状态 {'待确认' if provisional else '已确认'}")
    y -= 8
    t.draw(left, y, footer, 9, color=MUTED)
    cut = min(y - 18, SLIP_BOTTOM)
    c.setStrokeColor(MUTED)
    c.setLineWidth(0.6)
    c.setDash(4, 3)
    c.line(MARGIN / 2, cut, PAGE_W - MARGIN / 2, cut)
    c.setDash()
    c.showPage()
    c.save()
    return buf.getvalue()


def guidance(*, provisional: bool, change_at_terminal: bool) -> tuple[str, ...]:
    """What the resident is told to do next, from what the terminal and the hall offer."""
    change = CHANGE_AT_TERMINAL if change_at_terminal else CHANGE_BY_HOTLINE
    # A provisional slip has no platform reference for the ticket machine to scan yet.
    return (ARRIVE, change) if provisional else (ARRIVE, SCAN, change)


def _stamp(t: PdfText, x: float, y: float, text: str) -> None:
    c = t.canvas
    c.setStrokeColor(ACCENT)
    c.setLineWidth(1.2)
    c.roundRect(x - 6, y - 6, 156, 24, 4, stroke=1, fill=0)
    t.draw(x, y, text, 12, color=ACCENT, bold=True)


def _field(t: PdfText, x: float, y: float, label: str, value: str, width: float, *,
           size: float, bold: bool = False) -> float:
    """A label above a wrapped value; returns the y below it."""
    t.draw(x, y, label, 9.5, color=MUTED)
    y -= size + 4
    for line in t.wrap(value, size, width, bold) or [""]:
        t.draw(x, y, line, size, bold=bold)
        y -= size * 1.3
    return y - 6
