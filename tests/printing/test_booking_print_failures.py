"""BookingFlow printing its slip on a real cupsd that cannot print (issue 3 point 5).

The flow runs against the real sandbox (fresh_platform) and a real CUPS queue made per test
(tests/printing/queues.py): a queue that rejects jobs, a disabled queue, a backend that fails
(AppSocket to a closed localhost port), and a network printer that holds the job. In every case
the booking stands, the resident is told in plain Chinese, a reprint after the repair prints
exactly once, and a printer that cannot print sends the slip to the phone, once.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from devices.idcard.simulated import load_residents
from devices.manager import DeviceManager
from devices.printer.cups import CupsPrinter
from kiosk.flows.booking.flow import BookingFlow, PrintOutcome
from kiosk.printouts.slip import render_booking_slip
from sandbox.testing import SandboxHandle
from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.privacy import mask_phone
from services.schemas import Booking
from tests.printing.queues import (SocketPrinter, admin, device_uri, extra_queue, failing_uri,
                                   jobs)

pytestmark = pytest.mark.cups

CN = timezone(timedelta(hours=8))
# (take the queue down, bring it back): the two ways an operator stops a CUPS queue.
DOWN_AND_UP = [pytest.param(("cupsreject", "cupsaccept"), id="rejecting"),
               pytest.param(("cupsdisable", "cupsenable"), id="disabled")]


class Kiosk:
    """The app's wiring for one resident: platform services, a CUPS printer, health polling."""

    def __init__(self, platform: SandboxHandle, font_path: str) -> None:
        self.platform = platform
        self.client = PlatformClient(platform.url, platform.token, timeout=10)
        self.bookings = BookingService(self.client)
        self.font_path = font_path
        self.health = DeviceManager({})

    def flow(self, queue: str, who: int = 0) -> BookingFlow:
        """A flow at the confirm step for resident `who`, printing on `queue`."""
        printer = CupsPrinter(queue, poll_interval=0.1)
        self.health = DeviceManager({"printer": printer})
        person = load_residents()[who]
        flow = BookingFlow(
            identity=person, catalogue=CatalogueService(self.client), bookings=self.bookings,
            printer=printer, clock=lambda: datetime.now(CN), print_timeout=60,
            render_slip=lambda b: render_booking_slip(b, font_path=self.font_path,
                                                      terminal_name="测试终端",
                                                      printed_at=datetime.now(CN)),
            printer_ready=lambda: self.health.usable("printer"))
        flow.choose_item(flow.search("sbk")[0])
        flow.choose_hall(flow.state.halls[0])
        for day in flow.booking_days()[1:]:
            flow.choose_day(day)
            free = [s for s in flow.state.slots if s.remaining > 0]
            if free:
                flow.choose_slot(free[0])
                flow.set_phone(person.phone or "13800138000")
                return flow
        raise AssertionError("no free slot in 14 days")

    def health_check(self) -> bool:
        """What the app's device poller does every few seconds; True when the printer can print."""
        return self.health.poll_once()["printer"].usable

    def sms(self) -> list[dict[str, Any]]:
        r = requests.get(self.platform.url + "/sandbox/sms", timeout=10,
                         headers={"Authorization": f"Bearer {self.platform.token}"})
        r.raise_for_status()
        return list(r.json()["messages"])

    def still_booked(self, booking: Booking) -> bool:
        return self.bookings.get(booking.reference).status == "confirmed"


@pytest.fixture()
def kiosk(fresh_platform: SandboxHandle, font_path: str) -> Iterator[Kiosk]:
    k = Kiosk(fresh_platform, font_path)
    yield k
    k.client.close()


@pytest.fixture()
def queue(cups_queue: str) -> Iterator[str]:
    with extra_queue(cups_queue) as name:
        yield name


def assert_not_printed(outcome: PrintOutcome | None) -> None:
    assert outcome is not None and not outcome.printed
    assert outcome.message.startswith("凭证未能打印（"), outcome.message
    assert "预约已成功" in outcome.message and "重新打印" in outcome.message
    # Plain Chinese for the resident: no IPP keyword or English error text leaks through.
    assert not re.search(r"[A-Za-z]", outcome.message), outcome.message


def landed(pdf_dir: Path, before: set[Path]) -> list[Path]:
    return sorted(set(pdf_dir.glob("*.pdf")) - before)


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=30).stdout


def assert_reprint_once(flow: BookingFlow, booking: Booking, pdf_dir: Path) -> None:
    before = set(pdf_dir.glob("*.pdf"))
    outcome = flow.print_slip()
    assert outcome.printed, outcome.message
    new = landed(pdf_dir, before)
    assert len(new) == 1, f"one reprint, one slip: {new}"
    assert booking.reference in text_of(new[0])


@pytest.mark.parametrize("down_up", DOWN_AND_UP)
def test_queue_down_at_confirm_sends_the_slip_by_sms_once(
        kiosk: Kiosk, queue: str, pdf_dir: Path, down_up: tuple[str, str]) -> None:
    flow = kiosk.flow(queue)
    admin(down_up[0], "-r", "maintenance", queue)
    assert not kiosk.health_check()
    assert flow.slip_by_phone, "the confirm screen must offer the phone instead of the printer"
    before = set(pdf_dir.glob("*.pdf"))
    booking = flow.confirm()
    sms = flow.state.sms_outcome
    assert sms is not None and sms.printed and mask_phone(flow.state.phone) in sms.message
    assert flow.state.print_outcome is None, "nothing is sent to a printer that cannot print"
    assert flow.send_to_phone().printed  # the resident taps "send to my phone" again
    messages = kiosk.sms()
    assert len(messages) == 1 and booking.reference in messages[0]["text"]
    assert jobs(queue, "all") == [] and landed(pdf_dir, before) == []
    assert kiosk.still_booked(booking)


@pytest.mark.parametrize("down_up", DOWN_AND_UP)
def test_queue_down_between_health_check_and_print(
        kiosk: Kiosk, queue: str, pdf_dir: Path, down_up: tuple[str, str]) -> None:
    flow = kiosk.flow(queue, who=1)
    assert kiosk.health_check() and not flow.slip_by_phone  # fine when the screen was drawn
    admin(down_up[0], "-r", "maintenance", queue)  # ...and taken down before the tap
    booking = flow.confirm()
    assert_not_printed(flow.state.print_outcome)
    assert kiosk.still_booked(booking)
    assert jobs(queue, "not-completed") == [], "no job may wait to come out for someone else"
    # The next health check sees it: the kiosk offers the phone instead.
    assert not kiosk.health_check() and flow.slip_by_phone
    assert flow.send_to_phone().printed and len(kiosk.sms()) == 1
    admin(down_up[1], queue)  # repaired: the reprint prints exactly once
    assert_reprint_once(flow, booking, pdf_dir)
    assert len(jobs(queue, "completed")) == 1


def _failing_queue(cups_queue: str, error_policy: str) -> Any:
    try:
        uri = failing_uri()
    except FileNotFoundError as exc:
        pytest.skip(f"no way to make a failing backend here: {exc}")
    return extra_queue(cups_queue, uri=uri, error_policy=error_policy)


def test_failing_backend_aborts_the_job_and_the_booking_stands(
        kiosk: Kiosk, cups_queue: str, pdf_dir: Path) -> None:
    with _failing_queue(cups_queue, "abort-job") as broken:
        flow = kiosk.flow(broken)
        assert kiosk.health_check()
        before = set(pdf_dir.glob("*.pdf"))
        booking = flow.confirm()  # the socket backend gives up after ~5 s: job aborted
        assert_not_printed(flow.state.print_outcome)
        assert kiosk.still_booked(booking)
        assert jobs(broken, "not-completed") == [] and landed(pdf_dir, before) == []
        # The technician points the queue at a working device; the reprint prints once.
        admin("lpadmin", "-p", broken, "-v", device_uri(cups_queue))
        assert_reprint_once(flow, booking, pdf_dir)


def test_failing_backend_stopping_the_queue_cancels_the_job_and_offers_sms(
        kiosk: Kiosk, cups_queue: str, pdf_dir: Path) -> None:
    # stop-printer is CUPS's default policy: the failed job goes back to the queue.
    with _failing_queue(cups_queue, "stop-printer") as broken:
        flow = kiosk.flow(broken, who=2)
        assert kiosk.health_check()
        booking = flow.confirm()
        assert_not_printed(flow.state.print_outcome)
        # The driver cancelled it: re-enabling the queue later must not print it for a stranger.
        assert jobs(broken, "not-completed") == []
        assert not kiosk.health_check() and flow.slip_by_phone
        assert flow.send_to_phone().printed and flow.send_to_phone().printed
        assert len(kiosk.sms()) == 1 and kiosk.still_booked(booking)
        admin("lpadmin", "-p", broken, "-v", device_uri(cups_queue))
        admin("cupsenable", broken)
        assert_reprint_once(flow, booking, pdf_dir)


def test_double_tap_while_the_printer_holds_the_job_prints_once(
        kiosk: Kiosk, cups_queue: str) -> None:
    with SocketPrinter() as printer, extra_queue(cups_queue, uri=printer.uri) as held:
        flow = kiosk.flow(held, who=3)
        assert kiosk.health_check()
        with ThreadPoolExecutor(1) as pool:
            first = pool.submit(flow.confirm)
            assert printer.connected.wait(60), "the job never reached the printer"
            second = flow.print_slip()  # the resident taps 打印 again
            assert not second.printed and "正在打印" in second.message
            time.sleep(0.5)
            # Data sent is not a print: only CUPS's "completed" counts, and it has not come.
            assert not first.done()
            assert flow.state.print_outcome is None or not flow.state.print_outcome.printed
            printer.release.set()
            booking = first.result(timeout=60)
        outcome = flow.state.print_outcome
        assert outcome is not None and outcome.printed, outcome
        assert len(printer.documents) == 1 and len(jobs(held, "completed")) == 1
        assert kiosk.still_booked(booking)
