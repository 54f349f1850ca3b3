"""Benchmark: sandbox bookings/s and p99 at 1, 4 and 16 clients against a hello-world FastAPI
POST on the same uvicorn settings, and the booking rate after 10,000 bookings against the start."""

from __future__ import annotations

import argparse
import itertools
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import requests
from fastapi import FastAPI

from sandbox import seed
from sandbox import slots as sl
from sandbox.testing import free_port, run_sandbox
from services.validation import check_digit

ROOT = Path(__file__).resolve().parent.parent
CONCURRENCIES = (1, 4, 16)
PHASE_TIMEOUT_S = 120.0  # a phase stops sending after this, whatever is left of its bodies


def hello_app() -> FastAPI:
    """The baseline: a POST taking a small JSON body and answering 201, a plain `def` run in
    the thread pool as the sandbox's routes are."""
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/hello", status_code=201)
    def hello(body: dict[str, Any]) -> dict[str, str]:
        return {"hello": "world"}

    return app


@contextmanager
def run_hello(log: Path) -> Iterator[str]:
    """The hello-world app in its own process, served by the sandbox's own `serve_app`."""
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    url = f"http://127.0.0.1:{port}"
    with open(log, "ab") as out:
        proc = subprocess.Popen([sys.executable, __file__, "--serve-hello", str(port)],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if requests.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except requests.ConnectionError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the hello-world server did not start; see {log}")
                time.sleep(0.05)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def booking_bodies(today: date, n: int) -> list[dict[str, Any]]:
    """n booking requests, each on a seat of its own (every hall, the 14 days of the window,
    shuffled), each by a resident of their own with a valid GB 11643 number."""
    data = seed.generate()
    bookable = [i for i in data.items if i.bookable]
    seats: list[tuple[str, str, str]] = []
    for hall in data.halls:
        items = itertools.cycle([i.id for i in bookable if sl.serves(hall, i)])
        for day in range(sl.BOOKING_DAYS):
            for slot in sl.day_slots(hall, today + timedelta(days=day)):
                seats += [(next(items), hall.id, slot.id) for _ in range(sl.capacity(hall))]
    if len(seats) < n:
        raise RuntimeError(f"{n} bookings asked, the sandbox has {len(seats)} seats")
    random.Random(11).shuffle(seats)
    bodies = []
    for i, (item_id, hall_id, slot_id) in enumerate(seats[:n]):
        born = date(1950, 1, 1) + timedelta(days=i // 1000)
        first17 = f"110101{born:%Y%m%d}{i % 1000:03d}"
        bodies.append({"item_id": item_id, "hall_id": hall_id, "slot_id": slot_id,
                       "resident": {"id_number": first17 + check_digit(first17),
                                    "name": "张三明", "phone": "13800138000"}})
    return bodies


@dataclass
class Phase:
    done: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def run_phase(url: str, token: str, bodies: list[dict[str, Any]], clients: int) -> Phase:
    """POST every body, `clients` threads at once, each on its own keep-alive session."""
    pending = iter(bodies)
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    stop = time.monotonic() + PHASE_TIMEOUT_S

    def client() -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            while time.monotonic() < stop:
                with lock:
                    body = next(pending, None)
                if body is None:
                    return
                began = time.perf_counter()
                r = session.post(url, json=body, timeout=60,
                                 headers={"Idempotency-Key": str(uuid.uuid4())})
                took = time.perf_counter() - began
                with lock:
                    latencies.append(took)
                    if r.status_code != 201:
                        failures.append(f"{r.status_code} {r.text[:200]}")

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return Phase(len(latencies), seconds, latencies)


def merged(phases: list[Phase]) -> Phase:
    return Phase(sum(p.done for p in phases), sum(p.seconds for p in phases),
                 [x for p in phases for x in p.latencies])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=300, help="requests per phase and side")
    ap.add_argument("--rounds", type=int, default=2, help="alternations per concurrency")
    ap.add_argument("--fill", type=int, default=10_000,
                    help="bookings made before the rate is measured again")
    ap.add_argument("--serve-hello", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_hello:
        from sandbox.cli import serve_app
        serve_app(hello_app(), "127.0.0.1", args.serve_hello)
        return 0

    today = date.today()
    n, warm = args.n, 30
    bodies = iter(booking_bodies(today, max(args.fill, warm + n * (1 + 3 * args.rounds)) + n))
    hello_bodies = booking_bodies(today, n)  # the same bodies: both sides parse as much JSON
    made = 0

    def take(k: int) -> list[dict[str, Any]]:
        nonlocal made
        made += k
        return list(itertools.islice(bodies, k))

    with tempfile.TemporaryDirectory() as tmp_name, \
            run_sandbox(Path(tmp_name) / "sandbox.db", today=today) as box, \
            run_hello(Path(tmp_name) / "hello.log") as hello_url:
        booking_url = box.url + "/v1/bookings"
        hello_url += "/hello"
        run_phase(hello_url, box.token, hello_bodies[:warm], 4)
        run_phase(booking_url, box.token, take(warm), 4)
        hello_start = run_phase(hello_url, box.token, hello_bodies, 1)
        start = run_phase(booking_url, box.token, take(n), 1)
        sides: dict[int, tuple[list[Phase], list[Phase]]] = {c: ([], []) for c in CONCURRENCIES}
        for _ in range(args.rounds):
            for c in CONCURRENCIES:  # alternately, so that a busy moment hits both sides
                sides[c][0].append(run_phase(hello_url, box.token, hello_bodies, c))
                sides[c][1].append(run_phase(booking_url, box.token, take(n), c))
        fill_began = made
        fill = run_phase(booking_url, box.token, take(max(args.fill - made, 0)), 16)
        after_from = made
        hello_end = run_phase(hello_url, box.token, hello_bodies, 1)
        end = run_phase(booking_url, box.token, take(n), 1)

    print(f"{'clients':>7}  {'hello-world POST':>22}  {'sandbox booking':>22}  ratio")
    worst = float("inf")
    for c in CONCURRENCIES:
        base, mine = merged(sides[c][0]), merged(sides[c][1])
        worst = min(worst, mine.rate / base.rate)
        print(f"{c:>7}  {base.rate:7.1f}/s p99 {base.p99_ms:6.1f} ms  "
              f"{mine.rate:7.1f}/s p99 {mine.p99_ms:6.1f} ms  {mine.rate / base.rate:5.2f}")
    print(f"filling: bookings {fill_began + 1:,}–{after_from:,} at 16 clients, "
          f"{fill.rate:.1f}/s")
    drift = end.rate / start.rate
    drift_vs_hello = (end.rate / hello_end.rate) / (start.rate / hello_start.rate)
    print(f"1 client, bookings {warm + 1}–{warm + n}: {start.rate:.1f}/s "
          f"(hello {hello_start.rate:.1f}/s); bookings {after_from + 1:,}–{after_from + n:,}: "
          f"{end.rate:.1f}/s (hello {hello_end.rate:.1f}/s)")
    print(f"after/start: {drift:.2f} ({drift_vs_hello:.2f} each against its hello-world)")
    ok = worst >= 0.5 and drift_vs_hello >= 0.9
    print(f"target (>= 0.5x at every concurrency, after no more than 10% below start): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
