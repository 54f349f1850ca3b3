"""BookingFlow with the outbox: committed locally first, delivered once, never shown as done
while queued."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import pytest

from devices.idcard.simulated import load_residents
from devices.printer.simulated import SimulatedPrinter
from kiosk.flows.booking.flow import BookingFlow, FlowError, Step
from writes.outbox import open_outbox
from writes.queue import WriteQueue
from writes.sender import PlatformSender
from offline_cache.sync import SyncWorker
from sandbox.testing import free_port
from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient

CN = timezone(timedelta(hours=8))


def ledger(platform: Any) -> list[dict[str, Any]]:
    req = Request(platform.url + "/sandbox/ledger",
                  headers={"Authorization": f"Bearer {platform.token}"})
    with urlopen(req, timeout=10) as resp:  # noqa: S310 - the local sandbox
        return list(json.load(resp)["writes"])


def make_flow(platform: Any, writes: WriteQueue, tmp_path: Path) -> tuple[BookingFlow, Any]:
    client = PlatformClient(platform.url, platform.token, timeout=10)
    person = load_residents()[0]
    printer = SimulatedPrinter(str(tmp_path / "slips"))
    flow = BookingFlow(identity=person, catalogue=CatalogueService(client),
                       bookings=BookingService(client), printer=printer,
                       render_slip=lambda b: b"%PDF-1.4\n", clock=lambda: datetime.now(CN),
                       writes=writes)
    items = flow.search("sbk")
    flow.choose_item(items[0])
    flow.choose_hall(flow.state.halls[0])
    for day in flow.booking_days()[1:]:
        flow.choose_day(day)
        free = [s for s in flow.state.slots if s.remaining > 0]
        if free:
            flow.choose_slot(free[0])
            flow.set_phone("13800138000")
            return flow, client
    raise AssertionError("no free slot")


def test_online_booking_goes_through_the_outbox_once(fresh_platform: Any,
                                                     tmp_path: Path) -> None:
    box = open_outbox(tmp_path / "kiosk.db")
    client = PlatformClient(fresh_platform.url, fresh_platform.token, timeout=10)
    writes = WriteQueue(box, SyncWorker(box, PlatformSender(client)))
    flow, _ = make_flow(fresh_platform, writes, tmp_path)
    booking = flow.confirm()
    assert flow.step is Step.DONE
    assert box.status().counts["sent"] == 1
    writes_seen = ledger(fresh_platform)
    assert [w["reference"] for w in writes_seen] == [booking.reference]


def test_platform_down_queues_without_saying_done_then_delivers_once(
        fresh_platform: Any, tmp_path: Path) -> None:
    box = open_outbox(tmp_path / "kiosk.db")
    down = PlatformClient(f"http://127.0.0.1:{free_port()}", "x", timeout=2)
    offline = WriteQueue(box, SyncWorker(box, PlatformSender(down)))
    flow, _ = make_flow(fresh_platform, offline, tmp_path)
    with pytest.raises(FlowError) as queued:
        flow.confirm()
    assert "尚未生效" in queued.value.message and "稍后" in queued.value.message
    assert flow.step is Step.CONFIRM and flow.state.booking is None
    assert box.status().counts["pending"] == 1
    assert ledger(fresh_platform) == []

    # The network comes back: the background worker delivers it.
    up = PlatformClient(fresh_platform.url, fresh_platform.token, timeout=10)
    assert SyncWorker(box, PlatformSender(up)).drain(timeout_s=30)
    assert len(ledger(fresh_platform)) == 1
    # The resident taps again: the stored answer is shown, no second booking.
    booking = flow.confirm()
    assert flow.step is Step.DONE
    assert [w["reference"] for w in ledger(fresh_platform)] == [booking.reference]
