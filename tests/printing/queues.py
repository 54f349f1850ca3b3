"""Extra CUPS queues for the print-failure tests, and a tiny AppSocket printer to hold a job.

Every queue made here is removed again by the context manager that made it. They reuse the
PPD and the cups-pdf device of the session's test queue (scripts/services/cups.sh), so a queue
that prints at all lands its PDF in KIOSK_TEST_PDF_DIR like the test queue does.
"""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import cups

_serial = itertools.count(1)
# The socket backend gives up on a refused connection after `contimeout` seconds (default: a
# week); with 1 s it fails on its second attempt, about 5 s after the job starts.
FAILING_QUERY = "?contimeout=1"


def admin(*args: str) -> None:
    proc = subprocess.run(list(args), capture_output=True, text=True, timeout=30, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr.strip()}")


def device_uri(queue: str) -> str:
    attrs = cups.Connection().getPrinterAttributes(queue, requested_attributes=["device-uri"])
    return str(attrs["device-uri"])


def closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def failing_uri() -> str:
    """An AppSocket URI whose backend fails: the port refuses every connection."""
    if not os.access("/usr/lib/cups/backend/socket", os.X_OK):
        raise FileNotFoundError("CUPS socket backend missing (/usr/lib/cups/backend/socket)")
    return f"socket://127.0.0.1:{closed_port()}/{FAILING_QUERY}"


@contextmanager
def extra_queue(model_queue: str, uri: str | None = None,
                error_policy: str = "abort-job") -> Iterator[str]:
    """A new enabled, accepting queue like `model_queue` (same PPD, same device unless `uri`)."""
    name = f"kiosk-flow-{os.getpid()}-{next(_serial)}"
    ppd = Path("/etc/cups/ppd") / f"{model_queue}.ppd"
    admin("lpadmin", "-p", name, "-E", "-v", uri or device_uri(model_queue), "-P", str(ppd),
          "-o", f"printer-error-policy={error_policy}", "-o", "printer-is-shared=false",
          "-o", "pdftops-renderer-default=pdftocairo")
    try:
        admin("cupsenable", name)
        admin("cupsaccept", name)
        yield name
    finally:
        subprocess.run(["cancel", "-a", "-x", name], capture_output=True, timeout=30, check=False)
        subprocess.run(["lpadmin", "-x", name], capture_output=True, timeout=30, check=False)


def jobs(queue: str, which: str) -> list[str]:
    """Job ids of `queue` that lpstat lists as `which` ("completed" or "not-completed")."""
    out = subprocess.run(["lpstat", "-W", which, "-o", queue], capture_output=True, text=True,
                         timeout=30, check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


class SocketPrinter:
    """A network printer on 127.0.0.1 speaking AppSocket (raw TCP, port-9100 style).

    It reads each document to the end and keeps the connection open until `release` is set,
    so the CUPS job stays "processing" meanwhile. `documents` holds what arrived.
    """

    def __init__(self) -> None:
        self.documents: list[bytes] = []
        self.connected = threading.Event()
        self.release = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = int(self._server.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="socket-printer", daemon=True)

    @property
    def uri(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def __enter__(self) -> SocketPrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._stop.set()
        self._thread.join(10)
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(60)
                self.connected.set()
                chunks = []
                while chunk := conn.recv(65536):
                    chunks.append(chunk)
                self.documents.append(b"".join(chunks))
                self.release.wait(60)
