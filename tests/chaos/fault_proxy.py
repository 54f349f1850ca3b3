"""A fault-injecting HTTP proxy for chaos tests: drops, 5xx, delays, and resets after the platform
got the request."""

from __future__ import annotations

import http.client
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULTS = ("drop", "error", "delay", "reset_after")
HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FaultPlan:
    """Which fault (if any) the next request gets; thread-safe, seeded, counted."""

    def __init__(self, rate: float, seed: int, weights: dict[str, float] | None = None,
                 delay_s: float = 0.7) -> None:
        self.rate = rate
        self.weights = weights or {"drop": 3, "error": 3, "delay": 1, "reset_after": 3}
        self.delay_s = delay_s
        self.counts: Counter[str] = Counter()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.enabled = True

    def draw(self) -> str | None:
        with self._lock:
            if not self.enabled or self._rng.random() >= self.rate:
                self.counts["ok"] += 1
                return None
            fault = self._rng.choices(list(self.weights), list(self.weights.values()))[0]
            self.counts[fault] += 1
            return fault


def _handler(upstream: str, plan: FaultPlan) -> type[BaseHTTPRequestHandler]:
    target = urlsplit(upstream)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        upstream: http.client.HTTPConnection | None = None

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: request lines could carry query strings."""

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in separate writes: without NODELAY, Nagle and delayed
            # ACKs add ~40 ms to every answer.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _relay(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            fault = plan.draw()
            if fault == "drop":
                self._reset()  # before the platform saw anything
                return
            if fault == "error":
                payload = b'{"type":"urn:chaos:bad-gateway","title":"chaos","status":503}'
                self.send_response(503)
                self.send_header("Content-Type", "application/problem+json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
                return
            if fault == "delay":
                time.sleep(plan.delay_s)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_HEADERS}
            if self.upstream is None:  # one keep-alive upstream link per client connection
                self.upstream = http.client.HTTPConnection(target.hostname, target.port,
                                                           timeout=30)
            try:
                self.upstream.request(self.command, self.path, body=body, headers=headers)
                resp = self.upstream.getresponse()
                data = resp.read()
            except OSError:
                self.upstream.close()
                self.upstream = None
                self._reset()
                return
            if fault == "reset_after":
                # The nasty case: the platform applied the write, the answer never arrives.
                self._reset()
                return
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_HEADERS:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _reset(self) -> None:
            # SO_LINGER 0: close() sends RST instead of FIN, like a dropped mobile link.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()

        do_GET = _relay
        do_POST = _relay

        def finish(self) -> None:
            if self.upstream is not None:
                self.upstream.close()
            try:
                super().finish()
            except OSError:
                pass  # the socket was reset on purpose

    return Handler


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """Resets are the point of this server; nothing to report."""


@contextmanager
def fault_proxy(upstream: str, plan: FaultPlan) -> Iterator[str]:
    """Run the proxy on a free 127.0.0.1 port; yields its base URL."""
    server = _Server(("127.0.0.1", 0), _handler(upstream, plan))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
