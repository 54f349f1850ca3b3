"""A booking made while the platform is unreachable: provisional slip, decided on delivery,
shown at the next visit."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

from devices.idcard.simulated import load_residents
from devices.printer.simulated import SimulatedPrinter
from kiosk.flows.booking.flow import BookingFlow, Step
from writes.outbox import open_outbox
from writes.queue import WriteQueue
from writes.sender import PlatformSender
from kiosk.flows.booking.provisional import OfflineBookings, ProvisionalBooking
from kiosk.printouts.slip import render_booking_slip
from kiosk.fonts import find_cjk_font
from offline_cache.outbox import Outbox
from offline_cache.sync import SyncWorker
from sandbox.testing import free_port
from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.schemas import BookingRequest, ResidentIn
from tests.validation_corpus import id_number

CN = timezone(timedelta(hours=8))


def _get(platform: Any, path: str, key: str) -> list[dict[str, Any]]:
    return list(requests.get(platform.url + path, timeout=10, headers={
        "Authorization": f"Bearer {platform.token}"}).json()[key])


def _offline_flow(platform: Any, box: Outbox, tmp_path: Path, font: str
                  ) -> tuple[BookingFlow, OfflineBookings, Any]:
    """A flow whose reads worked (cached availability) but whose writes cannot get through."""
    down = PlatformClient(f"http://127.0.0.1:{free_port()}", "x", timeout=2)
    writes = WriteQueue(box, SyncWorker(box, PlatformSender(down)))
    offline = OfflineBookings(writes, terminal_id="JH-0042", clock=lambda: datetime.now(CN),
                              new_key=lambda: f"k-{datetime.now().timestamp()}")
    reads = PlatformClient(platform.url, platform.token, timeout=10)
    person = load_residents()[0]
    printer = SimulatedPrinter(str(tmp_path / "slips"))
    printer.open()
    flow = BookingFlow(
        identity=person, catalogue=CatalogueService(reads), bookings=BookingService(reads),
        printer=printer, clock=lambda: datetime.now(CN), writes=writes, offline=offline,
        render_slip=lambda b: render_booking_slip(b, font_path=font, terminal_name="测试终端",
                                                  printed_at=datetime.now(CN)))
    flow.choose_item(flow.search("sbk")[0])
    flow.choose_hall(flow.state.halls[0])
    flow.choose_day(flow.booking_days()[3])
    flow.choose_slot(next(s for s in flow.state.slots if s.remaining > 1))
    flow.set_phone("13800138000")
    return flow, offline, person


def _deliver(platform: Any, box: Outbox) -> None:
    up = PlatformClient(platform.url, platform.token, timeout=10)
    assert SyncWorker(box, PlatformSender(up)).drain(timeout_s=30)


def test_offline_booking_is_provisional_then_confirmed_and_shown_once(
        fresh_platform: Any, tmp_path: Path) -> None:
    box = open_outbox(tmp_path / "kiosk.db")
    flow, offline, person = _offline_flow(fresh_platform, box, tmp_path, find_cjk_font())
    result = flow.confirm()
    assert isinstance(result, ProvisionalBooking)
    assert flow.step is Step.DONE and flow.state.booking is None  # nothing shown as confirmed
    assert result.reference.startswith("L") and result.reference.endswith("-JH0042")
    assert flow.state.print_outcome is not None and flow.state.print_outcome.printed
    slip = next((tmp_path / "slips").glob("*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(slip), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "临时编号" in text and result.reference in text and "临时凭证" in text
    assert person.name not in text and person.id_number not in text
    waiting = offline.notices(person.id_number)
    assert [n.decided for n in waiting] == [False]  # still waiting: said so, shown again

    _deliver(fresh_platform, box)
    notice = flow.provisional_outcome()  # what the done screen polls while the resident waits
    assert notice.decided and notice.title == "离线预约已确认"
    ledger = _get(fresh_platform, "/sandbox/ledger", "writes")
    booked = {w["reference"] for w in ledger}
    assert len(booked) == 1 and not booked.pop().startswith("L")  # one seat, not two
    sms = _get(fresh_platform, "/sandbox/sms", "messages")
    assert len(sms) == 1 and result.reference in sms[0]["text"]

    # The next visit: told once, then never again.
    shown = offline.notices(person.id_number)
    assert [n.title for n in shown] == ["离线预约已确认"]
    offline.mark_shown(shown)
    assert offline.notices(person.id_number) == []
    assert offline.notices("110101199003070011") == []  # nobody else sees it


def test_slot_taken_meanwhile_is_moved_to_the_nearest_free_one(fresh_platform: Any,
                                                               tmp_path: Path) -> None:
    box = open_outbox(tmp_path / "kiosk.db")
    flow, offline, person = _offline_flow(fresh_platform, box, tmp_path, find_cjk_font())
    wanted = flow.state.slot
    assert wanted is not None and flow.state.item and flow.state.hall
    result = flow.confirm()
    assert isinstance(result, ProvisionalBooking)
    # While the terminal is cut off, other residents (one each) take every seat of that slot.
    direct = BookingService(PlatformClient(fresh_platform.url, fresh_platform.token))
    for n in range(wanted.remaining):
        direct.book(BookingRequest(
            item_id=flow.state.item.id, hall_id=flow.state.hall.id, slot_id=wanted.id,
            resident=ResidentIn(id_number=id_number(f"11010119900307{n:03d}"), name=f"他人{n}",
                                phone="13900139000")), f"other-{n}")
    _deliver(fresh_platform, box)
    notice = offline.outcome(result)
    assert notice.decided and notice.title == "离线预约已改约" and "已约满" in notice.text
    assert box.status().counts["dead"] == 1  # the ordinary attempt, refused as slot-full
    sms = _get(fresh_platform, "/sandbox/sms", "messages")
    assert len(sms) == 1 and "改约" in sms[0]["text"]
