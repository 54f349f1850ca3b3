"""Start the real sandbox as a subprocess for tests and demos: `run_sandbox(...)`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

START_TIMEOUT_S = 60.0  # the first start seeds the database


@dataclass(frozen=True)
class SandboxHandle:
    url: str
    token: str
    db_path: Path
    log_path: Path | None = None
    pid: int | None = None  # the server process (benchmarks read its memory)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthy(url: str) -> bool:
    try:
        with urlopen(url + "/healthz", timeout=1) as resp:  # noqa: S310 - our own localhost
            return bool(resp.status == 200)
    except (URLError, OSError):
        return False


@contextmanager
def run_sandbox(db_path: str | os.PathLike[str], tokens: list[str] | None = None,
                today: date | None = None,
                log_path: str | os.PathLike[str] | None = None,
                sandbox_tools: bool = True) -> Iterator[SandboxHandle]:
    """Run `python -m sandbox serve` on a free 127.0.0.1 port until the block ends.

    The server's output goes to `log_path` (default: next to the database) so that tests can
    scan it for personal data.
    """
    tokens = list(tokens or ["test-token"])
    db = Path(db_path)
    log = Path(log_path) if log_path else db.with_suffix(".log")
    port = free_port()
    cmd = [sys.executable, "-m", "sandbox", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--db", str(db)]
    for token in tokens:
        cmd += ["--token", token]
    if today is not None:
        cmd += ["--today", today.isoformat()]
    if sandbox_tools:  # the demo and the tests read the ledger, the SMS log, login codes
        cmd.append("--sandbox-tools")
    # The child must import this checkout even when pytest runs from elsewhere.
    root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH", "")) if p))
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _healthy(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"sandbox exited with code {proc.returncode}; see {log}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"sandbox did not answer /healthz in time; see {log}")
                time.sleep(0.05)
            yield SandboxHandle(url=url, token=tokens[0], db_path=db, log_path=log,
                                pid=proc.pid)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
