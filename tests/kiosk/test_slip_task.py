"""The booking task prints the slip the terminal can stand behind: the change/cancel guidance
follows the registered services, and a session in 长辈模式 gets the large-type slip."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import kiosk.tasks
from kiosk.context import TaskSpec
from kiosk.fonts import find_cjk_font
from kiosk.tasks import TaskRegistry
from kiosk.tasks import booking as booking_task
from services.schemas import Booking
from tests.slip_pdf import pdf_text, pdf_words, scan_qr, word_height

CHINA = timezone(timedelta(hours=8))
PRINTED_AT = datetime(2025, 1, 5, 20, 15, tzinfo=CHINA)
TERMINAL_PROMISE = "使用自助终端"


@pytest.fixture()
def booking() -> Booking:
    start = datetime(2025, 1, 6, 9, 30, tzinfo=CHINA)
    return Booking(
        reference="JH250106-0042", status="confirmed", item_id="ITEM-0001",
        item_name="城乡居民基本养老保险待遇申领", hall_id="HALL-01",
        hall_name="江汉市东湖区政务服务中心", hall_address="江汉市东湖区青山路88号市民之家二楼",
        slot_id="SLOT-1", date=start.date(), start=start, end=start + timedelta(minutes=30),
        resident_name_masked="李*英", id_number_masked="4207**********1020", created_at=start)


def fake_ctx(elderly: bool = False) -> Any:
    """The parts of TerminalContext the slip renderer reads: font, terminal, clock, theme."""
    return SimpleNamespace(font_path=find_cjk_font(), clock=lambda: PRINTED_AT,
                           config=SimpleNamespace(terminal=SimpleNamespace(name="T")),
                           ui=SimpleNamespace(theme=SimpleNamespace(elderly=elderly)))


def printed(render: Any, booking: Booking, folder: Path, name: str = "slip") -> Path:
    pdf = folder / f"{name}.pdf"
    pdf.write_bytes(render(booking))
    return pdf


def flat(pdf: Path) -> str:
    return "".join(pdf_text(pdf).split())


def with_registry(monkeypatch: pytest.MonkeyPatch, *extra: TaskSpec) -> None:
    registry = TaskRegistry([*kiosk.tasks.default_registry(), *extra])
    monkeypatch.setattr(kiosk.tasks, "default_registry", lambda: registry)


def test_todays_terminal_sends_changes_to_the_hotline(booking: Booking, tmp_path: Path) -> None:
    text = flat(printed(booking_task.slip_renderer(fake_ctx()), booking, tmp_path))
    assert "12345" in text and TERMINAL_PROMISE not in text


def test_a_coming_tile_promises_nothing(booking: Booking, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    with_registry(monkeypatch, TaskSpec("my_bookings", "我的预约"))  # 即将开放: no start yet
    text = flat(printed(booking_task.slip_renderer(fake_ctx()), booking, tmp_path))
    assert TERMINAL_PROMISE not in text


def test_a_my_bookings_service_is_promised_on_the_slip(booking: Booking, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with_registry(monkeypatch, TaskSpec("my_bookings", "我的预约", start=lambda _c, _i: None))
    text = flat(printed(booking_task.slip_renderer(fake_ctx()), booking, tmp_path))
    assert TERMINAL_PROMISE in text and "12345" in text


def test_a_session_in_elderly_mode_prints_the_large_slip(booking: Booking,
                                                         tmp_path: Path) -> None:
    ctx = fake_ctx()
    render = booking_task.slip_renderer(ctx)  # the flow is built before the switch is touched
    normal = pdf_words(printed(render, booking, tmp_path, "normal"))
    ctx.ui.theme.elderly = True  # the resident taps 长辈模式 before printing
    elderly_pdf = printed(render, booking, tmp_path, "elderly")
    elderly = pdf_words(elderly_pdf)
    for part in (booking.reference, "星期一", booking.hall_name):
        assert word_height(elderly, part) > 1.2 * word_height(normal, part), part
    assert scan_qr(elderly_pdf, 80) == booking.reference


def test_without_a_ui_the_slip_is_the_normal_one(booking: Booking, tmp_path: Path) -> None:
    ctx = fake_ctx()
    ctx.ui = None  # a headless caller: the app fills ui in before any flow starts
    normal = pdf_words(printed(booking_task.slip_renderer(fake_ctx()), booking, tmp_path, "a"))
    headless = pdf_words(printed(booking_task.slip_renderer(ctx), booking, tmp_path, "b"))
    assert word_height(headless, booking.reference) == word_height(normal, booking.reference)
