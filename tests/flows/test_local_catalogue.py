"""The terminal's own copy of the catalogue: synced from the real sandbox over HTTP with ETags,
then searched through the booking flow with the platform gone, for queries never made before."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from devices.idcard.simulated import load_residents
from kiosk.flows.booking.cached_catalogue import CachedCatalogue
from kiosk.flows.booking.flow import BookingFlow
from kiosk.flows.booking.local_catalogue import MANIFEST_KEY, LocalCatalogue
from offline_cache.cache import ResponseCache
from offline_cache.store import Store
from sandbox.testing import run_sandbox
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.errors import PlatformUnavailable
from services.schemas import ItemList

CN = timezone(timedelta(hours=8))
#: Queries the terminal never sent to the platform: offline they were answered by nothing.
NEVER_SEEN = ["gongjijin", "驾照", "hukou bu", "sfz", "chushengdengji", "居民医保", "jz"]


def _never(*_a: Any, **_k: Any) -> Any:
    raise AssertionError("not used")


def flow(catalogue: Any) -> BookingFlow:
    unused: Any = _never  # searching needs no bookings, printer or slip
    return BookingFlow(identity=load_residents()[0], catalogue=catalogue, bookings=unused,
                       printer=unused, render_slip=unused, clock=lambda: datetime.now(CN))


def test_synced_copy_answers_never_seen_queries_offline_as_the_platform_did(
        tmp_path: Path) -> None:
    store = Store(tmp_path / "terminal.db")
    cache = ResponseCache(store)
    with run_sandbox(tmp_path / "sandbox.db") as platform:
        client = PlatformClient(platform.url, platform.token, timeout=10)
        reads = CachedCatalogue(client, cache)
        local = LocalCatalogue(client, cache, reads)
        first = local.sync()
        assert first.changed and first.items > 1000 and first.pages_sent == -(-first.items // 100)
        # Unchanged: every page revalidates with a 304, nothing is sent again, same index.
        index = local._current
        again = local.sync()
        assert (again.version, again.changed, again.pages_sent) == (first.version, False, 0)
        assert local._current is index
        with PlatformClient(platform.url, platform.token, timeout=10) as raw:
            online = {q: [i.id for i in CatalogueService(raw).search_items(
                q, bookable=True, limit=20).items] for q in NEVER_SEEN}
    # The platform is gone. The read cache alone knows none of these queries...
    with pytest.raises(PlatformUnavailable):
        reads.search_items(NEVER_SEEN[0], bookable=True, limit=20)
    # ...the terminal's copy answers all of them, ranked as the platform ranked them.
    booking = flow(local)
    for q in NEVER_SEEN:
        assert [i.id for i in booking.search(q)] == online[q], q
    # After a restart the copy is read back from the database, still without the platform.
    restarted = LocalCatalogue(client, ResponseCache(store), reads)
    assert restarted.version == first.version
    assert [i.id for i in flow(restarted).search("gongjijin")] == online["gongjijin"]
    with pytest.raises(PlatformUnavailable):
        restarted.sync()  # a failed sync leaves the copy as it was
    assert restarted.version == first.version and restarted.age_s is not None
    client.close()
    store.close()


class _Reads:
    """The platform path the terminal takes while it holds no copy."""

    def __init__(self) -> None:
        self.queries: list[str] = []

    def search_items(self, q: str = "", **_kw: Any) -> ItemList:
        self.queries.append(q)
        return ItemList(items=[], total=0)


def test_without_a_copy_searches_go_to_the_platform(tmp_path: Path) -> None:
    store = Store(tmp_path / "terminal.db")
    reads: Any = _Reads()
    client = PlatformClient("http://127.0.0.1:9", "t", timeout=1)
    local = LocalCatalogue(client, ResponseCache(store), reads)
    assert local.version is None and local.age_s is None
    flow(local).search("sbk")
    assert reads.queries == ["sbk"]
    client.close()
    store.close()


class _Pages:
    """A platform whose catalogue is a list we change between syncs (ETag = a counter)."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.generation = 0
        self.calls: list[tuple[int, str | None]] = []

    def get_conditional(self, path: str, params: dict[str, Any],
                        etag: str | None) -> tuple[int, str | None, Any]:
        offset = params["offset"]
        now = f'"{self.generation}-{offset}"'
        self.calls.append((offset, etag))
        if etag == now:
            return 304, now, None
        page = self.items[offset:offset + params["limit"]]
        return 200, now, {"items": page, "total": len(self.items)}


def _item(n: int, name: str) -> dict[str, Any]:
    return {"id": f"T-{n:04d}", "name": name, "department": "公安局", "level": "市",
            "cross_province": False, "bookable": True,
            "guide": {"materials": [], "fee": "免费", "legal_time_limit_days": 1,
                      "promised_time_limit_days": 1, "where": "窗口", "legal_basis": "无"}}


def test_a_changed_catalogue_is_a_new_version_with_a_new_index(tmp_path: Path) -> None:
    platform: Any = _Pages([_item(n, f"事项{n}") for n in range(250)])
    store = Store(tmp_path / "terminal.db")
    reads: Any = _Reads()
    local = LocalCatalogue(platform, ResponseCache(store), reads)
    first = local.sync()
    assert (first.items, first.pages_sent) == (250, 3)
    assert local.search_items("居民身份证补领").total == 0
    platform.items[120] = _item(120, "居民身份证补领")
    platform.generation += 1
    second = local.sync()
    assert second.changed and second.version != first.version and second.pages_sent == 3
    found = local.search_items("sfz").items
    assert [i.id for i in found] == ["T-0120"]  # the alias 身份证 and its initials too
    # A damaged copy (a page lost) is no copy: the platform answers again.
    with store.transaction() as conn:
        conn.execute("DELETE FROM cache WHERE key LIKE 'catalogue-copy/items%offset=100'")
    assert LocalCatalogue(platform, ResponseCache(store), reads).version is None
    assert ResponseCache(store).get(MANIFEST_KEY) is not None
    store.close()


def test_the_app_thread_retries_a_failed_sync_and_then_holds_the_copy(tmp_path: Path) -> None:
    platform: Any = _Pages([_item(n, f"事项{n}") for n in range(30)])
    down = [True]
    answer = platform.get_conditional

    def flaky(path: str, params: dict[str, Any], etag: str | None) -> Any:
        if down.pop() if down else False:
            raise PlatformUnavailable()
        return answer(path, params, etag)

    platform.get_conditional = flaky
    store = Store(tmp_path / "terminal.db")
    reads: Any = _Reads()
    local = LocalCatalogue(platform, ResponseCache(store), reads)
    stop = threading.Event()
    synced: list[str] = []
    real_sync = local.sync

    def sync_then_stop() -> Any:
        result = real_sync()  # the first one raises: keep_fresh must try again
        synced.append(result.version)
        stop.set()
        return result

    local.sync = sync_then_stop  # type: ignore[method-assign]  # stop after one success
    local.keep_fresh(stop, every_s=0, retry_s=0)
    assert synced and local.version == synced[0]
    assert local.search_items("shixiang").total == 30 and reads.queries == []
    store.close()
