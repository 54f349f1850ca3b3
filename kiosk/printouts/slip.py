"""The appointment slip (预约凭证): an A4 PDF with a full QR code of the reference, no Kivy."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from services.schemas import Booking

from kiosk.flows.booking.provisional import ProvisionalBooking
from kiosk.texts import WEEKDAYS

from .qr import draw_qr, make_qr
from .text import INK, PdfText, register_cjk

MUTED = HexColor("#555555")
ACCENT = HexColor("#b3261e")  # 政务 red for the title rule
PANEL = HexColor("#f3f3f3")

PAGE_W, PAGE_H = A4
MARGIN = 42.0
SLIP_BOTTOM = PAGE_H / 2  # the cut line sits here or under the footer, whichever is lower
# The QR code's square (PDF points, origin bottom left), quiet zone included: 46.6 mm, so a
# version 1 code (a 13-character reference) has 1.6 mm modules and version 2 (a local
# reference with a long terminal id) 1.4 mm; both read at 80 dpi (tests/flows/test_slip.py).
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


@dataclass(frozen=True)
class SlipStyle:
    """Type sizes (pt) of one kind of slip; the layout follows from them."""

    item: float
    when: float
    reference: float
    hall: float
    address: float
    who: float
    body: float
    label: float
    caption: float


NORMAL = SlipStyle(item=15, when=15, reference=28, hall=13, address=11, who=12, body=11,
                   label=9.5, caption=9)
#: 长辈模式 (the screen's type is 1.5x): what the resident reads out or looks for at the hall
#: (reference, date and time, hall and address) about 1.4-1.5x, the rest a little larger.
ELDERLY = SlipStyle(item=16, when=22, reference=40, hall=19, address=16, who=13, body=12,
                    label=10.5, caption=10)


def render_booking_slip(booking: Booking | ProvisionalBooking, *, font_path: str,
                        terminal_name: str, printed_at: datetime,
                        provisional: bool = False, change_at_terminal: bool = False,
                        elderly: bool = False) -> bytes:
    """Return the slip as PDF bytes.

    Only the masked name and ID number that the booking carries are printed. `provisional`
    marks a booking that is still waiting in the outbox for the platform to confirm it.
    `change_at_terminal`: the terminal offers changing and cancelling a booking, so the slip
    may send the resident there (otherwise to the 12345 hotline only). `elderly`: the slip of
    a session in 长辈模式, its key lines in large type.
    """
    provisional = provisional or isinstance(booking, ProvisionalBooking)
    style = ELDERLY if elderly else NORMAL
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    # Metadata is readable by anyone holding the file: the reference only, no personal data.
    c.setTitle(f"预约凭证 {booking.reference}")
    c.setSubject("政务服务预约凭证")
    c.setCreator("gov-kiosk")
    c.setAuthor(terminal_name)
    t = PdfText(c, register_cjk(font_path))

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

    # QR code on the right.
    draw_qr(c, make_qr(booking.reference), QR_X, QR_Y, QR_SIZE)
    caption = ("临时编号", "（工作人员可扫码查询）") if provisional else ("取号时扫描此码",)
    if t.width("".join(caption), style.caption) <= QR_SIZE:
        caption = ("".join(caption),)  # one line under the code when it is no wider
    y = QR_Y - 5
    for line in caption:
        y -= style.caption * 1.2
        t.draw_centered(QR_X + QR_SIZE / 2, y, line, style.caption, color=MUTED)
    below_qr = y - 16

    # What, where and when on the left of the code, then across the page below it.
    col_w = QR_X - left - 24
    day = booking.date
    # The paper says 星期一 where the screen says 周一: the day names are the table's.
    when = (f"{day.year}年{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}",
            f"{booking.start:%H:%M}–{booking.end:%H:%M}")
    y = top - 70
    for label, value, size, bold in (
            ("办理事项", (booking.item_name,), style.item, True),
            ("办事大厅", (booking.hall_name,), style.hall, False),
            ("地　　址", (booking.hall_address,), style.address, False),
            ("预约时间", when, style.when, True)):
        width = col_w if y - style.label > below_qr else right - left
        if len(value) > 1 and t.width("  ".join(value), size, bold) <= width:
            value = ("  ".join(value),)  # date and time on one line when they fit
        y = _field(t, left, y, label, value, width, size=size, bold=bold, label_size=style.label)

    # The reference, large, across the page: residents read it out at the window.
    y = _reference_panel(t, left, min(y, below_qr) - 8, right - left,
                         "临时编号" if provisional else "预约号", booking.reference,
                         style.reference)
    y -= style.who + 10

    # Who booked, masked as on the screen.
    t.draw(left, y, f"预约人  {booking.resident_name_masked}", style.who)
    t.draw(left + style.who * 14, y, f"证件号码  {booking.id_number_masked}", style.who)
    y -= style.who + 14

    notes = [(line, INK) for line in guidance(provisional=provisional,
                                              change_at_terminal=change_at_terminal)]
    if provisional:
        notes += [(line, ACCENT) for line in PROVISIONAL_NOTES]
    for line, color in notes:
        for i, part in enumerate(t.wrap(line, style.body, right - left - style.body)):
            t.draw(left, y, ("• " if i == 0 else "   ") + part, style.body, color=color)
            y -= style.body * 1.55

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


def _reference_panel(t: PdfText, x: float, y: float, width: float, label: str, reference: str,
                     size: float) -> float:
    """The reference on a grey panel whose top is at y, its label beside it or, when a long
    local reference would not fit, above it; returns the y of the panel's bottom."""
    label_size = size * 0.46
    beside = t.width(label, label_size) + 28
    ref_width = t.width(reference, size, bold=True)
    stacked = beside + ref_width + 14 > width
    if stacked:
        size = min(size, size * (width - 28) / ref_width)  # set smaller rather than run off
    height = size + 22 + (label_size + 6 if stacked else 0)
    t.canvas.setFillColor(PANEL)
    t.canvas.roundRect(x, y - height, width, height, 6, stroke=0, fill=1)
    if stacked:
        t.draw(x + 14, y - 10 - label_size, label, label_size, color=MUTED)
        t.draw(x + 14, y - height + 11 + size * 0.14, reference, size, bold=True)
    else:
        baseline = y - height / 2 - size * 0.36
        t.draw(x + 14, baseline, label, label_size, color=MUTED)
        t.draw(x + beside, baseline, reference, size, bold=True)
    return y - height


def _field(t: PdfText, x: float, y: float, label: str, lines: tuple[str, ...], width: float, *,
           size: float, bold: bool, label_size: float) -> float:
    """A label above its value (each of `lines` wrapped to `width`); returns the y below."""
    t.draw(x, y, label, label_size, color=MUTED)
    y -= size + 4
    for line in lines:
        for part in t.wrap(line, size, width, bold) or [""]:
            t.draw(x, y, part, size, bold=bold)
            y -= size * 1.3
    return y - 6
