"""Offline reads: catalogue and halls revalidated with ETag, served from the cache when the platform
is unreachable."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from kiosk.flows.booking.cached_catalogue import CachedCatalogue
from offline_cache.cache import ResponseCache
from offline_cache.store import Store
from services.client import PlatformClient
from services.errors import PlatformUnavailable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "chaos"))
from fault_proxy import FaultPlan, fault_proxy  # noqa: E402


def test_catalogue_is_served_from_cache_when_the_platform_is_unreachable(
        shared_platform: Any, tmp_path: Path) -> None:
    plan = FaultPlan(rate=0.0, seed=1, weights={"drop": 1})
    store = Store(tmp_path / "kiosk.db")
    with fault_proxy(shared_platform.url, plan) as proxy, \
            PlatformClient(proxy, shared_platform.token, timeout=5) as client:
        cat = CachedCatalogue(client, ResponseCache(store))
        items = cat.search_items("sbk", bookable=True).items
        halls = cat.halls(items[0].id)
        assert items and halls and cat.last_age_s is None
        plan.rate = 1.0  # the network is cut
        assert cat.search_items("sbk", bookable=True).items == items
        assert cat.halls(items[0].id) == halls
        assert cat.last_age_s is not None, "the screen can say how old the answer is"
        with pytest.raises(PlatformUnavailable):
            cat.search_items("hukou")  # never seen: nothing to show, said plainly
    store.close()


class EtagServer(BaseHTTPRequestHandler):
    """Serves an empty hall list under ETag "v1"; answers 304 when the terminal has it."""

    protocol_version = "HTTP/1.1"
    hits: list[int] = []

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        if self.headers.get("If-None-Match") == '"v1"':
            self.hits.append(304)
            self.send_response(304)
            self.send_header("ETag", '"v1"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.hits.append(200)
        body = b'{"halls": []}'
        self.send_response(200)
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def etag_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EtagServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_unchanged_answers_are_revalidated_with_if_none_match(etag_server: str,
                                                              tmp_path: Path) -> None:
    EtagServer.hits.clear()
    store = Store(tmp_path / "kiosk.db")
    with PlatformClient(etag_server, "t", timeout=5) as client:
        cat = CachedCatalogue(client, ResponseCache(store))
        assert cat.halls() == [] and cat.halls() == []
    assert EtagServer.hits == [200, 304]
    store.close()


def test_sandbox_catalogue_answers_carry_an_etag_and_304(shared_platform: Any) -> None:
    with PlatformClient(shared_platform.url, shared_platform.token, timeout=10) as client:
        status, etag, body = client.get_conditional("/v1/halls", None, None)
        assert status == 200 and etag and body["halls"]
        again, same, nothing = client.get_conditional("/v1/halls", None, etag)
        assert (again, same, nothing) == (304, etag, None)
        other, _, _ = client.get_conditional("/v1/departments", None, etag)
        assert other == 200, "an ETag is only good for its own resource"
