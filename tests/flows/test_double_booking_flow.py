"""A second booking of one item on one day (issue 9): BookingFlow says which booking the resident
holds and what to do, online, through the outbox, and offline against its own outbox."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from devices.idcard.simulated import load_residents
from devices.printer.simulated import SimulatedPrinter
from kiosk.flows.booking.flow import BookingFlow, FlowError, Step
from kiosk.flows.booking.provisional import OfflineBookings, ProvisionalBooking
from offline_cache.outbox import Outbox
from offline_cache.sync import SyncWorker
from sandbox.testing import free_port
from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.schemas import Booking, Slot
from writes.outbox import open_outbox
from writes.queue import WriteQueue
from writes.sender import PlatformSender

CN = timezone(timedelta(hours=8))
ONCE_A_DAY = "同一事项同一天只能预约一次"


def _flow(platform: Any, tmp_path: Path, *, writes: WriteQueue | None = None,
          offline: OfflineBookings | None = None, person: int = 0) -> BookingFlow:
    client = PlatformClient(platform.url, platform.token, timeout=10)
    printer = SimulatedPrinter(str(tmp_path / "slips"))
    printer.open()
    return BookingFlow(identity=load_residents()[person], catalogue=CatalogueService(client),
                       bookings=BookingService(client), printer=printer,
                       render_slip=lambda b: b"%PDF-1.4\n", clock=lambda: datetime.now(CN),
                       writes=writes, offline=offline)


def _to_confirm(flow: BookingFlow, *, day: int = 0, hall: int = 0, nth: int = 0) -> Slot:
    """Item 社保卡 (the first "sbk" match), hall `hall`, the `day`th day from tomorrow on
    with at least three slots free at that hall, the `nth` of them."""
    flow.choose_item(flow.search("sbk")[0])
    flow.choose_hall(flow.state.halls[hall])
    open_days = []
    for d in flow.booking_days()[2:]:
        flow.choose_day(d)
        if len([s for s in flow.state.slots if s.remaining > 1]) >= 3:
            open_days.append(d)
    flow.choose_day(open_days[day])
    slot = [s for s in flow.state.slots if s.remaining > 1][nth]
    flow.choose_slot(slot)
    flow.set_phone("13800138000")
    return slot


def _says_which(message: str, held: Any, label: str) -> None:
    start = held.start
    assert f"{start.month}月{start.day}日 {start.hour}:{start.minute:02d}" in message, message
    assert held.hall_name in message and f"“{held.item_name}”" in message
    assert f"{label} {held.reference}" in message and ONCE_A_DAY in message
    assert "12345" in message  # what to do: there is no my-bookings service on the terminal


def _online(platform: Any, box: Outbox) -> WriteQueue:
    client = PlatformClient(platform.url, platform.token, timeout=10)
    return WriteQueue(box, SyncWorker(box, PlatformSender(client)))


def _down(box: Outbox) -> WriteQueue:
    down = PlatformClient(f"http://127.0.0.1:{free_port()}", "x", timeout=2)
    return WriteQueue(box, SyncWorker(box, PlatformSender(down)))


def _offline(writes: WriteQueue) -> OfflineBookings:
    n = iter(range(1000))
    return OfflineBookings(writes, terminal_id="JH-0042", clock=lambda: datetime.now(CN),
                           new_key=lambda: f"k-{datetime.now().timestamp()}-{next(n)}")


def test_a_second_booking_the_same_day_is_refused_in_plain_words(fresh_platform: Any,
                                                                 tmp_path: Path) -> None:
    first = _flow(fresh_platform, tmp_path)
    _to_confirm(first)
    held = first.confirm()
    assert isinstance(held, Booking)
    for hall, nth in ((0, 0), (0, 2), (-1, 1)):  # the same slot, another slot, another hall
        again = _flow(fresh_platform, tmp_path)
        _to_confirm(again, hall=hall, nth=nth)
        with pytest.raises(FlowError) as refused:
            again.confirm()
        _says_which(refused.value.message, held, "预约号")
        assert again.step is Step.CHOOSE_SLOT and again.state.booking is None
    other_day = _flow(fresh_platform, tmp_path)
    _to_confirm(other_day, day=1)
    assert isinstance(other_day.confirm(), Booking)


def test_through_the_outbox_the_refusal_is_final_and_said_plainly(fresh_platform: Any,
                                                                  tmp_path: Path) -> None:
    box = open_outbox(tmp_path / "kiosk.db")
    writes = _online(fresh_platform, box)
    first = _flow(fresh_platform, tmp_path, writes=writes)
    _to_confirm(first)
    held = first.confirm()
    second = _flow(fresh_platform, tmp_path, writes=writes, offline=_offline(writes))
    _to_confirm(second, nth=1)
    with pytest.raises(FlowError) as refused:
        second.confirm()
    _says_which(refused.value.message, held, "预约号")
    counts = box.status().counts
    assert counts["sent"] == 1 and counts["dead"] == 1 and counts["pending"] == 0  # not retried
    assert "duplicate-booking" in box.status().dead[0]["reason"]


def test_offline_a_second_provisional_booking_of_the_day_is_refused(fresh_platform: Any,
                                                                    tmp_path: Path) -> None:
    box = open_outbox(tmp_path / "kiosk.db")
    writes = _down(box)
    offline = _offline(writes)
    first = _flow(fresh_platform, tmp_path, writes=writes, offline=offline)
    _to_confirm(first)
    accepted = first.confirm()
    assert isinstance(accepted, ProvisionalBooking)
    queued = box.status().counts["pending"]
    for hall, nth in ((0, 0), (0, 2), (-1, 1)):  # the same slot, another slot, another hall
        again = _flow(fresh_platform, tmp_path, writes=writes, offline=_offline(writes))
        _to_confirm(again, hall=hall, nth=nth)
        with pytest.raises(FlowError) as refused:
            again.confirm()
        _says_which(refused.value.message, accepted, "临时编号")
        assert "待平台确认" in refused.value.message
        assert again.step is Step.CHOOSE_SLOT and again.state.provisional is None
    assert box.status().counts["pending"] == queued  # nothing more was queued
    other_day = _flow(fresh_platform, tmp_path, writes=writes, offline=offline)
    _to_confirm(other_day, day=1)
    assert isinstance(other_day.confirm(), ProvisionalBooking)
    somebody_else = _flow(fresh_platform, tmp_path, writes=writes, offline=offline, person=1)
    _to_confirm(somebody_else)
    assert isinstance(somebody_else.confirm(), ProvisionalBooking)


def test_a_provisional_booking_the_platform_refuses_as_double_is_explained(
        fresh_platform: Any, tmp_path: Path) -> None:
    """Booked online at another terminal meanwhile; this terminal's offline booking of the
    same day is refused on delivery, and the resident's notice says why and what to do."""
    box = open_outbox(tmp_path / "kiosk.db")
    writes = _down(box)
    offline = _offline(writes)
    flow = _flow(fresh_platform, tmp_path, writes=writes, offline=offline)
    _to_confirm(flow, nth=1)
    accepted = flow.confirm()
    assert isinstance(accepted, ProvisionalBooking)
    elsewhere = _flow(fresh_platform, tmp_path)
    _to_confirm(elsewhere)
    held = elsewhere.confirm()
    up = PlatformClient(fresh_platform.url, fresh_platform.token, timeout=10)
    assert SyncWorker(box, PlatformSender(up)).drain(timeout_s=30)
    person = load_residents()[0]
    [notice] = offline.notices(person.id_number)
    assert notice.decided and notice.title == "离线预约未成功" and notice.reference == ""
    assert accepted.reference in notice.text
    _says_which(notice.text, held, "预约号")
    counts = box.status().counts
    assert counts["dead"] == 1 and counts["sent"] == 1  # the ordinary attempt: refused, final
    sms = requests.get(fresh_platform.url + "/sandbox/sms", timeout=10, headers={
        "Authorization": f"Bearer {fresh_platform.token}"}).json()["messages"]
    assert held.reference in sms[-1]["text"] and accepted.reference in sms[-1]["text"]


def test_an_unreadable_waiting_write_names_no_day_and_breaks_nothing() -> None:
    from kiosk.flows.booking.provisional import _waiting
    from offline_cache.outbox import OutboxItem

    def item(payload: Any, state: Any = "pending") -> OutboxItem:
        return OutboxItem(1, "booking.provisional", "k", "r", state, 0, 0.0, 0.0, None,
                          payload, None)

    good_request = {"booking": {"item_id": "i", "hall_id": "h", "slot_id": "s", "resident": {
        "id_number": "11010519491231002X", "name": "李四", "phone": "13900000000"}},
        "local_reference": "L261127-001-T1", "terminal_id": "T1",
        "made_at": "2026-11-27T03:00:00+08:00"}
    shown = {"item_name": "社会保障卡申领", "hall_name": "江城区政务服务中心",
             "start": "2026-11-30T09:00:00+08:00", "end": "2026-11-30T09:30:00+08:00"}
    assert _waiting(item({**good_request, "shown": shown})) is not None
    for bad in (None, {}, good_request, {**good_request, "shown": None},
                {**good_request, "shown": ["x"]}, {**good_request, "shown": {"start": "x"}},
                {**good_request, "booking": 3, "shown": shown}):
        assert _waiting(item(bad)) is None
    assert _waiting(item({**good_request, "shown": shown}, "sent")) is None
