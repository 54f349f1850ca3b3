"""BookingFlow against the real sandbox over HTTP, simulated card and printer; no Kivy."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from devices.base import PaperOut
from devices.idcard.simulated import load_residents
from devices.printer.simulated import SimulatedPrinter, simulated_printer
from kiosk.fonts import find_cjk_font
from kiosk.flows.booking.flow import BookingFlow, FlowError, Step
from kiosk.printouts.slip import render_booking_slip
from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.errors import PlatformUnavailable
from services.schemas import BookingRequest, ResidentIn
from tests.validation_corpus import id_number

CN = timezone(timedelta(hours=8))


def resident(index: int = 0) -> Any:
    return load_residents()[index]


class Ports:
    def __init__(self, platform: Any, out_dir: Path) -> None:
        self.client = PlatformClient(platform.url, platform.token, timeout=10)
        self.catalogue = CatalogueService(self.client)
        self.bookings = BookingService(self.client)
        self.printer, self.printer_control = simulated_printer(str(out_dir))
        self.font = find_cjk_font()

    def flow(self, identity: Any, bookings: Any = None, **extra: Any) -> BookingFlow:
        return BookingFlow(
            identity=identity, catalogue=self.catalogue, bookings=bookings or self.bookings,
            printer=self.printer, clock=lambda: datetime.now(CN), **extra,
            render_slip=lambda b: render_booking_slip(b, font_path=self.font,
                                                      terminal_name="测试终端",
                                                      printed_at=datetime.now(CN)))


@pytest.fixture()
def ports(fresh_platform: Any, tmp_path: Path) -> Any:
    p = Ports(fresh_platform, tmp_path / "slips")
    yield p
    p.client.close()


def to_slot_step(flow: BookingFlow, query: str = "sbk") -> None:
    items = flow.search(query)
    assert items, "the sandbox should find 社保卡 items for sbk"
    flow.choose_item(items[0])
    flow.choose_hall(flow.state.halls[0])
    for day in flow.booking_days()[1:]:
        flow.choose_day(day)
        if any(s.remaining > 0 for s in flow.state.slots):
            return
    raise AssertionError("no free slot in 14 days")


def first_free(flow: BookingFlow) -> Any:
    return next(s for s in flow.state.slots if s.remaining > 0)


def pdf_text(path: str) -> str:
    return subprocess.run(["pdftotext", "-layout", path, "-"], capture_output=True, text=True,
                          check=True).stdout


def test_booking_reaches_printed_slip_in_three_screens(ports: Any) -> None:
    person = resident(0)
    flow = ports.flow(person)
    screens = [flow.step]
    to_slot_step(flow)
    screens.append(flow.step)
    slot = first_free(flow)
    flow.choose_slot(slot)
    screens.append(flow.step)
    if not flow.state.phone:
        flow.set_phone("13800138000")
    booking = flow.confirm()
    assert flow.step is Step.DONE
    assert screens == [Step.CHOOSE_ITEM, Step.CHOOSE_SLOT, Step.CONFIRM]
    assert booking.slot_id == slot.id and booking.status == "confirmed"
    assert flow.state.print_outcome is not None and flow.state.print_outcome.printed
    assert len(ports.printer_control.jobs) == 1
    text = pdf_text(ports.printer_control.jobs[0].path)
    assert booking.reference in text
    assert flow.resident_name_masked in text
    assert person.name not in text and person.id_number not in text
    fetched = ports.bookings.get(booking.reference)
    assert fetched.reference == booking.reference


class LosesAnswerOnce:
    """The nasty case: the booking reaches the platform, the answer is lost on the way back."""

    def __init__(self, real: BookingService) -> None:
        self.real = real
        self.calls = 0

    def slots(self, *args: Any) -> Any:
        return self.real.slots(*args)

    def book(self, request: BookingRequest, idempotency_key: str) -> Any:
        self.calls += 1
        booking = self.real.book(request, idempotency_key)
        if self.calls == 1:
            raise PlatformUnavailable()
        return booking


def test_retry_after_lost_answer_books_once(ports: Any) -> None:
    lossy = LosesAnswerOnce(ports.bookings)
    flow = ports.flow(resident(1), bookings=lossy)
    to_slot_step(flow)
    slot = first_free(flow)
    flow.choose_slot(slot)
    flow.set_phone("13900139000")
    with pytest.raises(FlowError) as failed:
        flow.confirm()
    assert "稍后" in failed.value.message
    assert flow.step is Step.CONFIRM
    booking = flow.confirm()  # the resident taps again
    assert lossy.calls == 2
    after = {s.id: s for s in ports.bookings.slots(flow.state.item.id, flow.state.hall.id,
                                                   slot.start.date())}
    assert after[slot.id].remaining == slot.remaining - 1, "the retry must not take a 2nd seat"
    assert booking.slot_id == slot.id


def test_slot_taken_meanwhile_returns_to_slot_step(ports: Any) -> None:
    flow = ports.flow(resident(0))
    to_slot_step(flow)
    slot = first_free(flow)
    flow.choose_slot(slot)
    flow.set_phone("13800138000")
    st = flow.state
    for i in range(slot.remaining):  # others (one booking each) take every place
        ports.bookings.book(BookingRequest(
            item_id=st.item.id, hall_id=st.hall.id, slot_id=slot.id,
            resident=ResidentIn(id_number=id_number(f"11010519491231{i:03d}"), name="测试",
                                phone="13700137000")), idempotency_key=f"other-{i}")
    with pytest.raises(FlowError) as failed:
        flow.confirm()
    assert "约满" in failed.value.message
    assert flow.step is Step.CHOOSE_SLOT
    assert all(s.id != slot.id or s.remaining == 0 for s in flow.state.slots)
    assert ports.printer_control.jobs == []


def test_paper_out_keeps_booking_and_offers_reprint(ports: Any) -> None:
    flow = ports.flow(resident(0))
    to_slot_step(flow)
    flow.choose_slot(first_free(flow))
    flow.set_phone("13800138000")
    ports.printer_control.fail_next(PaperOut("no paper"))
    booking = flow.confirm()
    outcome = flow.state.print_outcome
    assert outcome is not None and not outcome.printed
    assert "打印纸" in outcome.message and "预约已成功" in outcome.message
    assert ports.printer_control.jobs == []
    assert flow.print_slip().printed
    jobs = ports.printer_control.jobs
    assert len(jobs) == 1 and booking.reference in pdf_text(jobs[0].path)


def test_bad_phone_is_refused_before_the_platform(ports: Any) -> None:
    flow = ports.flow(resident(0))
    to_slot_step(flow)
    flow.choose_slot(first_free(flow))
    flow.set_phone("12345")
    with pytest.raises(FlowError, match="手机号"):
        flow.confirm()
    assert flow.step is Step.CONFIRM


def test_non_bookable_item_is_explained(ports: Any) -> None:
    flow = ports.flow(resident(0))
    unbookable = ports.catalogue.search_items("", bookable=False, limit=1).items
    assert unbookable, "the seed has items that need no appointment"
    with pytest.raises(FlowError, match="不需要预约"):
        flow.choose_item(unbookable[0])
    assert flow.step is Step.CHOOSE_ITEM


def test_back_and_wipe_forget_the_resident(ports: Any) -> None:
    flow = ports.flow(resident(0))
    to_slot_step(flow)
    flow.choose_slot(first_free(flow))
    assert flow.back() is Step.CHOOSE_SLOT
    assert flow.back() is Step.CHOOSE_ITEM
    flow.wipe()
    assert flow.state.item is None and flow.state.phone == ""
    assert flow.resident_name_masked == "" and flow.id_number_masked == ""


class SlowPrinter:
    """Holds the first job until released, to model a double tap during printing."""

    def __init__(self, real: SimulatedPrinter) -> None:
        import threading
        self.real = real
        self.started = threading.Event()
        self.release = threading.Event()

    def print_pdf(self, pdf: bytes, *, title: str, timeout: float = 60.0) -> Any:
        self.started.set()
        assert self.release.wait(10)
        return self.real.print_pdf(pdf, title=title, timeout=timeout)


def test_double_tap_on_reprint_prints_once(ports: Any) -> None:
    import threading
    flow = ports.flow(resident(0))
    to_slot_step(flow)
    flow.choose_slot(first_free(flow))
    flow.set_phone("13800138000")
    ports.printer_control.fail_next(PaperOut("no paper"))
    flow.confirm()
    slow = SlowPrinter(ports.printer)
    flow._slips._printer = slow  # the resident refilled nothing; the next job is slow
    first = threading.Thread(target=flow.print_slip)
    first.start()
    assert slow.started.wait(5)
    second = flow.print_slip()  # the second tap while the first job runs
    assert not second.printed and second.message == "正在打印，请稍候。"
    # The earlier failure is not repeated as if it were this job's outcome.
    assert "打印纸用完" not in second.message
    slow.release.set()
    first.join(10)
    assert len(ports.printer_control.jobs) == 1
    assert flow.state.print_outcome is not None and flow.state.print_outcome.printed


def sandbox_sms(platform: Any) -> list[dict[str, Any]]:
    import requests
    r = requests.get(platform.url + "/sandbox/sms", timeout=10,
                     headers={"Authorization": f"Bearer {platform.token}"})
    r.raise_for_status()
    return list(r.json()["messages"])


def test_printer_down_sends_the_booking_to_the_phone_once(ports: Any,
                                                          fresh_platform: Any) -> None:
    flow = ports.flow(resident(0), printer_ready=lambda: False)
    to_slot_step(flow)
    flow.choose_slot(first_free(flow))
    flow.set_phone("13800138000")
    assert flow.slip_by_phone
    booking = flow.confirm()
    assert ports.printer_control.jobs == [], "nothing is sent to a printer that cannot print"
    sms = flow.state.sms_outcome
    assert sms is not None and sms.printed and "138****8000" in sms.message
    assert flow.send_to_phone().printed  # a second tap sends nothing new
    messages = sandbox_sms(fresh_platform)
    assert len(messages) == 1
    assert booking.reference in messages[0]["text"] and booking.hall_name in messages[0]["text"]
    assert messages[0]["phone_masked"] == "138****8000"


def test_paper_out_then_send_to_phone(ports: Any, fresh_platform: Any) -> None:
    flow = ports.flow(resident(1))
    to_slot_step(flow)
    flow.choose_slot(first_free(flow))
    flow.set_phone("13900139000")
    ports.printer_control.fail_next(PaperOut("no paper"))
    flow.confirm()
    assert not flow.state.print_outcome.printed  # type: ignore[union-attr]  # set by the failed print
    assert flow.send_to_phone().printed
    assert len(sandbox_sms(fresh_platform)) == 1


def test_printer_reasons_are_named_in_plain_words() -> None:
    from devices.base import DeviceError
    from kiosk.flows.booking.slip_printing import device_reason
    for reason, words in (("not-accepting", "暂停"), ("media-jam", "卡纸"),
                          ("cups-unreachable", "打印服务"), ("timeout", "超时")):
        assert words in device_reason(DeviceError("x", reason=reason))
    assert device_reason(DeviceError("x", reason="something-new")) == "打印机故障"
