"""A terminal nobody touches still delivers soon after the network returns: the worker probes the
platform while offline."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from writes.domains.booking import KIND_BOOKING
from writes.outbox import open_outbox
from writes.queue import WriteQueue
from writes.sender import PlatformSender
from offline_cache.sync import Backoff, RetryLater, SyncWorker
from services.client import PlatformClient
from services.schemas import BookingRequest
from tests.kiosk.test_app_offline import SwitchableProxy
from tests.platform_helpers import booking_request, free_slot


def _request(platform: Any) -> BookingRequest:
    _bookings, item, hall, slot = free_slot(platform, from_day=2)
    return booking_request(item, hall, slot)


def _deliver_after_outage(platform: Any, tmp_path: Path, probe: bool) -> float | None:
    """Seconds from the network's return to delivery (None: not within 8 s)."""
    proxy = SwitchableProxy(int(platform.url.rsplit(":", 1)[1]))
    client = PlatformClient(f"http://127.0.0.1:{proxy.port}", platform.token, timeout=2)
    box = open_outbox(tmp_path / f"kiosk-{probe}.db")
    # Backing off for a minute after the first failure, as a terminal would after an outage.
    worker = SyncWorker(box, PlatformSender(client), backoff=Backoff(base_s=60, max_s=300),
                        probe=client.reachable if probe else None, probe_every_s=0.3)
    try:
        proxy.cut()
        sub = WriteQueue(box, worker).submit(KIND_BOOKING, _request(platform).model_dump(
            mode="json"), resident="42070219900101101X", idempotency_key=f"probe-{probe}")
        assert isinstance(sub.result, RetryLater) and worker.online is False
        worker.start()
        time.sleep(0.5)  # the worker has looked once and found the platform away
        proxy.restore()
        back = time.monotonic()
        while time.monotonic() - back < 8:
            if box.get(sub.item_id).state == "sent":
                return time.monotonic() - back
            time.sleep(0.05)
        return None
    finally:
        worker.stop()
        proxy.close()
        client.close()


def test_the_probe_delivers_within_seconds_of_the_network_returning(fresh_platform: Any,
                                                                    tmp_path: Path) -> None:
    seconds = _deliver_after_outage(fresh_platform, tmp_path, probe=True)
    assert seconds is not None
    print(f"probe: delivered {seconds:.2f} s after the network returned (backoff 60 s)")


def test_without_the_probe_the_item_waits_out_its_backoff(fresh_platform: Any,
                                                         tmp_path: Path) -> None:
    # The control: the same outage without a probe is not delivered for its minute of backoff.
    assert _deliver_after_outage(fresh_platform, tmp_path, probe=False) is None


def test_reachable_says_false_for_a_closed_port_and_true_for_the_platform(
        fresh_platform: Any) -> None:
    assert PlatformClient(fresh_platform.url, "no-token-needed").reachable()
    closed = SwitchableProxy(int(fresh_platform.url.rsplit(":", 1)[1]))
    closed.cut()
    try:
        assert not PlatformClient(f"http://127.0.0.1:{closed.port}", "x").reachable(timeout=1)
    finally:
        closed.close()
