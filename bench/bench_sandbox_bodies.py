"""Benchmark: the sandbox's peak memory while eight terminals send 20 MB bodies at once,
against the same eight sending bodies just under the limit."""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

from sandbox.limits import DEFAULT_BODY_LIMIT
from sandbox.testing import run_sandbox

#: What the issue measured before bodies were limited: eight parallel 20 MB bodies, 639 MB.
BEFORE_LIMITS_MB = 639


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def _reset_peak(pid: int) -> None:
    # Writing 5 to clear_refs resets VmHWM to the current RSS (Linux 4.0+), so each phase
    # reports its own peak, not the process's since start.
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _post(url: str, token: str, size: int, n: int, chunked: bool) -> int:
    """POST a `size`-byte body over a raw socket, streamed like a real upload (the sender never
    holds it either); the status, or 0 when the server closed before answering."""
    host, port = url.removeprefix("http://").split(":")
    head = (f"POST /v1/bookings HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Idempotency-Key: bench-{n}\r\n"
            + ("Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n")
            + "Connection: close\r\n\r\n").encode()
    block = b"x" * 65536
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head)
        sent = 0
        try:
            while sent < size:
                piece = block[:size - sent]
                # Chunked, the size is not announced: the server has to count what arrives.
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused early: the server answered and closed while the body was coming
        try:
            answer = sock.recv(64)
        except ConnectionResetError:
            return 0
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def _parallel(url: str, token: str, size: int, senders: int, chunked: bool) -> list[int]:
    statuses: list[int] = []

    def send(n: int) -> None:
        statuses.append(_post(url, token, size, n, chunked))
    threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return statuses


def phase(handle_url: str, token: str, pid: int, size: int, senders: int,
          rounds: int, chunked: bool = False) -> tuple[float, float, list[int]]:
    """(peak RSS in MB, seconds per round, statuses of the last round)."""
    _reset_peak(pid)
    start = time.perf_counter()
    statuses: list[int] = []
    for _ in range(rounds):
        statuses = _parallel(handle_url, token, size, senders, chunked)
    elapsed = (time.perf_counter() - start) / rounds
    return _kib(pid, "VmHWM") / 1024, elapsed, statuses


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--senders", type=int, default=8)
    ap.add_argument("--mb", type=int, default=20, help="size of each oversize body")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, run_sandbox(Path(tmp) / "b.db") as handle:
        assert handle.pid is not None
        small = DEFAULT_BODY_LIMIT - 1024  # just under the limit: read in full, then refused
        phase(handle.url, handle.token, handle.pid, small, args.senders, 1)  # warm up
        idle = _kib(handle.pid, "VmRSS") / 1024
        base_peak, base_s, base_st = phase(handle.url, handle.token, handle.pid, small,
                                           args.senders, args.rounds)
        big_peak, big_s, big_st = phase(handle.url, handle.token, handle.pid,
                                        args.mb * 1024 * 1024, args.senders, args.rounds)
        chunk_peak, chunk_s, chunk_st = phase(handle.url, handle.token, handle.pid,
                                              args.mb * 1024 * 1024, args.senders, args.rounds,
                                              chunked=True)
    print(f"sandbox idle RSS: {idle:.0f} MB")
    print(f"baseline: {args.senders} parallel bodies of {small // 1024} KB "
          f"(under the limit): peak {base_peak:.0f} MB, {base_s * 1000:.0f} ms a round, "
          f"statuses {sorted(set(base_st))}")
    print(f"project:  {args.senders} parallel bodies of {args.mb} MB (refused early): "
          f"peak {big_peak:.0f} MB, {big_s * 1000:.0f} ms a round, "
          f"statuses {sorted(set(big_st))}")
    print(f"project:  the same, chunked (no size announced, counted as it comes): "
          f"peak {chunk_peak:.0f} MB, {chunk_s * 1000:.0f} ms a round, "
          f"statuses {sorted(set(chunk_st))}")
    print(f"ratio (project peak / baseline peak): {big_peak / base_peak:.2f} announced, "
          f"{chunk_peak / base_peak:.2f} chunked; before the "
          f"limits the issue measured {BEFORE_LIMITS_MB} MB for 8 × 20 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
