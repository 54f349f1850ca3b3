"""A plain-function fake platform on a free port, for answers the real sandbox never gives."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class FakeRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class FakeReply:
    status: int = 200
    body: bytes = b"{}"
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class FakePlatform:
    url: str
    requests: list[FakeRequest] = field(default_factory=list)


Answer = Callable[[FakeRequest], FakeReply]


@contextmanager
def fake_platform(answer: Answer) -> Iterator[FakePlatform]:
    """Serve `answer(request)` for every request on 127.0.0.1 until the block ends."""
    state = FakePlatform(url="")

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            req = FakeRequest(self.command, self.path, dict(self.headers.items()),
                              self.rfile.read(length))
            state.requests.append(req)
            reply = answer(req)
            if reply.delay:
                time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests): nothing left to answer

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # keep test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
