"""The client against hostile answers over real HTTP: a dripping server, deep JSON, HTML."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fake_platform import FakeReply, FakeRequest, fake_platform
from tls_server import connect_proxy

from sandbox.testing import SandboxHandle
from services.client import PlatformClient
from services.errors import BadResponse, PlatformUnavailable, Rejected
from services.schemas import ItemList

BODY = b'{"items": [], "total": 0, "limit": 20, "offset": 0}' + b" " * 150
HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(BODY)).encode() + b"\r\n\r\n")
DRIP_EVERY = 0.5
#: The server gives up after this long, so that the old client fails the test, not hangs it.
DRIP_FOR = 12.0
TIMEOUT = 1.5


#: The start of a TLS handshake record 16 KB long: a client waits for all of it.
TLS_RECORD = b"\x16\x03\x03\x40\x00\x02" + b"\x00" * 200


@contextmanager
def dripping_server(head_at_once: bool, answer: bytes | None = None,
                    scheme: str = "http") -> Iterator[str]:
    """A plain socket server on 127.0.0.1 that sends its answer (`answer`, else HEAD + BODY)
    one byte every 0.5 s (after the headers at once when `head_at_once`)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()

    def drip(conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)  # the request (or ClientHello); its content does not matter
            reply = answer if answer is not None else HEAD + BODY
            if head_at_once:
                conn.sendall(HEAD)
                reply = BODY
            ends = time.monotonic() + DRIP_FOR
            try:
                for byte in reply:
                    if stop.is_set() or time.monotonic() > ends:
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(DRIP_EVERY)
            except OSError:
                return  # the client hung up: what a deadline is for

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(5)
        listener.close()


CALLS: dict[str, Callable[[PlatformClient], Any]] = {
    "get": lambda c: c.get("/v1/items", None, ItemList),
    "get_conditional": lambda c: c.get_conditional("/v1/items", None, None),
    "post": lambda c: c.post("/v1/bookings", {}, ItemList, idempotency_key="drip"),
}


@pytest.mark.parametrize("head_at_once", [False, True], ids=["drip-head", "drip-body"])
@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_dripping_server_is_unavailable_within_the_deadline(call: str,
                                                              head_at_once: bool) -> None:
    with dripping_server(head_at_once) as url, PlatformClient(url, "t", timeout=TIMEOUT) as c:
        started = time.monotonic()
        with pytest.raises(PlatformUnavailable) as err:
            CALLS[call](c)
        took = time.monotonic() - started
    assert took < TIMEOUT + 0.5, f"{call} took {took:.1f} s"
    assert err.value.detail == "deadline exceeded"


@pytest.mark.parametrize("call", sorted(CALLS))
def test_a_dripping_tls_handshake_is_unavailable_within_the_deadline(call: str) -> None:
    # Over https the server can drip its handshake instead: before any request is sent.
    with dripping_server(False, TLS_RECORD, "https") as url, \
            PlatformClient(url, "t", timeout=TIMEOUT) as c:
        started = time.monotonic()
        with pytest.raises(PlatformUnavailable) as err:
            CALLS[call](c)
        took = time.monotonic() - started
        assert c.reachable(timeout=TIMEOUT) is False
        took_probe = time.monotonic() - started - took
    assert took < TIMEOUT + 0.5, f"{call} took {took:.1f} s"
    assert took_probe < TIMEOUT + 0.5, f"reachable took {took_probe:.1f} s"
    assert err.value.detail == "deadline exceeded"


@pytest.mark.parametrize("proxy", [{"drip": True}, {"answer_after": 1.2}],
                         ids=["drip-connect", "slow-connect-then-drip-handshake"])
def test_through_a_proxy_the_deadline_covers_connect_and_handshake(
        proxy: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    # The proxy's answer to CONNECT and the TLS handshake after it come before any request:
    # each one alone ends within the timeout, both together must too.
    with dripping_server(False, TLS_RECORD, "https") as url, connect_proxy(**proxy) as p, \
            PlatformClient(url, "t", timeout=TIMEOUT) as c:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", p.url)
        started = time.monotonic()
        with pytest.raises(PlatformUnavailable) as err:
            c.get("/v1/items", None, ItemList)
        took = time.monotonic() - started
    assert p.tunnels, "the call went through the proxy"
    assert took < TIMEOUT + 0.5, f"took {took:.1f} s"
    assert err.value.detail == "deadline exceeded"


@pytest.mark.parametrize("head_at_once", [False, True], ids=["drip-head", "drip-body"])
def test_reachable_says_no_to_a_dripping_server_within_its_timeout(head_at_once: bool) -> None:
    with dripping_server(head_at_once) as url, PlatformClient(url, "t", timeout=10) as c:
        started = time.monotonic()
        assert c.reachable(timeout=TIMEOUT) is False
        took = time.monotonic() - started
    assert took < TIMEOUT + 0.5, f"reachable took {took:.1f} s"


def _deep(depth: int) -> bytes:
    return b'{"a": ' * depth + b"1" + b"}" * depth


@pytest.mark.parametrize("body", [b"[" * 1000 + b"]" * 1000, _deep(1000), b"[" * 100_000],
                         ids=["arrays-1000", "objects-1000", "arrays-100000-unclosed"])
def test_deeply_nested_json_is_a_bad_response(body: bytes) -> None:
    with fake_platform(lambda req: FakeReply(body=body)) as fake, \
            PlatformClient(fake.url, "t", timeout=5) as c:
        for call in sorted(CALLS):
            with pytest.raises(BadResponse):
                CALLS[call](c)
        assert c.reachable() is False


def test_a_deeply_nested_problem_is_still_the_status_error() -> None:
    reply = FakeReply(status=400, body=_deep(1000), content_type="application/problem+json")
    with fake_platform(lambda req: reply) as fake, PlatformClient(fake.url, "t") as c:
        with pytest.raises(Rejected) as err:
            c.get("/v1/items", None, ItemList)
    assert err.value.status == 400 and err.value.problem == {}


def _health(body: bytes, content_type: str = "application/json",
            status: int = 200) -> Callable[[FakeRequest], FakeReply]:
    return lambda req: FakeReply(status=status, body=body, content_type=content_type)


@pytest.mark.parametrize("answer", [
    _health(b"<html><body>Welcome to nginx!</body></html>", "text/html"),
    _health(b"<html>captive portal: log in to the hall's Wi-Fi</html>", "text/html"),
    _health(b"{}"),
    _health(b'{"status": "down"}'),
    _health(b'["ok"]'),
    _health(b'{"status": "ok"}', status=204),
    _health(b'{"status": "ok"}', status=302),
], ids=["nginx", "portal", "empty-object", "status-down", "list", "204", "302"])
def test_reachable_wants_the_platforms_own_health_answer(
        answer: Callable[[FakeRequest], FakeReply]) -> None:
    with fake_platform(answer) as fake, PlatformClient(fake.url, "t") as c:
        assert c.reachable() is False


def test_reachable_says_yes_to_the_platform(platform: SandboxHandle) -> None:
    with PlatformClient(platform.url, platform.token) as c:
        assert c.reachable() is True
