"""Slot availability keeps showing, with its age, when the platform goes away."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.flows.booking.cached_catalogue import CachedBookings, CachedCatalogue
from offline_cache.cache import ResponseCache
from offline_cache.store import Store
from sandbox.testing import run_sandbox
from services.bookings import BookingService
from services.client import PlatformClient
from services.errors import PlatformUnavailable


def test_slots_served_from_cache_with_age_when_platform_is_down(tmp_path: Path) -> None:
    store = Store(tmp_path / "terminal.db")
    with run_sandbox(tmp_path / "sandbox.db") as platform:
        client = PlatformClient(platform.url, platform.token, timeout=3)
        reads = CachedCatalogue(client, ResponseCache(store))
        bookings = CachedBookings(reads, BookingService(client))
        item = reads.search_items("sbk", bookable=True, limit=1).items[0]
        hall = reads.halls(item.id)[0]
        day = next(date.today() + timedelta(days=d) for d in range(1, 14)
                   if bookings.slots(item.id, hall.id, date.today() + timedelta(days=d)))
        fresh = bookings.slots(item.id, hall.id, day)
        assert fresh and bookings.last_age_s is None
    # The platform is gone now: the last answer comes back, and says how old it is.
    cached = bookings.slots(item.id, hall.id, day)
    assert [s.id for s in cached] == [s.id for s in fresh]
    assert bookings.last_age_s is not None and bookings.last_age_s >= 0
    with pytest.raises(PlatformUnavailable):  # never seen: nothing to fall back on
        bookings.slots(item.id, hall.id, day + timedelta(days=1))
    client.close()
