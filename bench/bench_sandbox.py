"""Benchmark: sandbox bookings/s and p99 at 1, 4 and 16 clients against a hello-world FastAPI
POST on the same uvicorn settings, and the booking rate after 10,000 bookings against the start."""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
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
#: Bookings before the first measurement: the first ones fill the caches (slots of each hall
#: and day, SQLite's pages), which is start-up, not the rate at the start.
WARM_UP = 300


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
def run_hello(log: Path) -> Iterator[tuple[str, int]]:
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
            yield url, proc.pid
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


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def read_calls(pid: int) -> int:
    """Read system calls the process has made (Linux /proc): SQLite reads a page it does not
    hold in its cache with one, so their count per booking shows the database outgrowing it,
    whatever the load of the machine."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("syscr:"):
            return int(line.split()[1])
    raise RuntimeError(f"no syscr in /proc/{pid}/io")


@dataclass
class Phase:
    done: int
    seconds: float
    latencies: list[float]
    server_cpu: float = 0.0  # seconds of the server process's CPU during the phase
    server_reads: int = 0  # read system calls of the server during the phase

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request: steadier than the rate when others load the machine."""
        return self.server_cpu / self.done * 1000

    @property
    def p99_ms(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def sessions(token: str, clients: int) -> list[requests.Session]:
    """One keep-alive session per client, kept across the slices of a comparison."""
    made = []
    for _ in range(clients):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        made.append(session)
    return made


def run_phase(url: str, clients: list[requests.Session], bodies: list[dict[str, Any]],
              pid: int) -> Phase:
    """POST every body, one thread per client session, all at once, to server `pid`."""
    pending = iter(bodies)
    lock = threading.Lock()
    latencies: list[float] = []
    failures: list[str] = []
    stop = time.monotonic() + PHASE_TIMEOUT_S

    def client(session: requests.Session) -> None:
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

    threads = [threading.Thread(target=client, args=(s,)) for s in clients]
    cpu_before, reads_before = cpu_seconds(pid), read_calls(pid)
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - began
    cpu, reads = cpu_seconds(pid) - cpu_before, read_calls(pid) - reads_before
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return Phase(len(latencies), seconds, latencies, cpu, reads)


def merged(phases: list[Phase]) -> Phase:
    return Phase(sum(p.done for p in phases), sum(p.seconds for p in phases),
                 [x for p in phases for x in p.latencies], sum(p.server_cpu for p in phases),
                 sum(p.server_reads for p in phases))


@dataclass
class Comparison:
    hello: Phase
    box: Phase
    #: The median over the slices of booking rate / hello rate, each pair measured back to
    #: back: a burst of someone else's work spoils one pair, not the figure.
    ratio: float


@dataclass
class Bench:
    hello_url: str
    hello_pid: int
    booking_url: str
    booking_pid: int
    token: str
    bodies: Iterator[dict[str, Any]]
    hello_bodies: list[dict[str, Any]]
    slices: int
    made: int = 0

    def take(self, k: int) -> list[dict[str, Any]]:
        self.made += k
        return list(itertools.islice(self.bodies, k))

    def compare(self, clients: int, n: int) -> Comparison:
        """n requests a side at `clients` at once, in slices taken by turns, so that a busy
        moment of the machine (others share it) falls on both sides alike."""
        hello_sessions, box_sessions = sessions(self.token, clients), sessions(self.token, clients)
        hello: list[Phase] = []
        box: list[Phase] = []
        per_slice = max(n // self.slices, clients)
        for _ in range(max(n // per_slice, 1)):
            hello.append(run_phase(self.hello_url, hello_sessions, self.hello_bodies[:per_slice],
                                   self.hello_pid))
            box.append(run_phase(self.booking_url, box_sessions, self.take(per_slice),
                                 self.booking_pid))
        for s in hello_sessions + box_sessions:
            s.close()
        pairs = zip(hello, box, strict=True)
        return Comparison(merged(hello), merged(box),
                          statistics.median(b.rate / h.rate for h, b in pairs))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-n", type=int, default=400, help="requests per comparison and side")
    ap.add_argument("--slices", type=int, default=8, help="turns per comparison")
    ap.add_argument("--fill", type=int, default=10_000,
                    help="bookings made before the rate is measured again")
    ap.add_argument("--serve-hello", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.serve_hello:
        from sandbox.cli import serve_app
        serve_app(hello_app(), "127.0.0.1", args.serve_hello)
        return 0

    today = date.today()
    n = args.n
    needed = max(args.fill, n * (1 + len(CONCURRENCIES)) + WARM_UP) + n
    with tempfile.TemporaryDirectory() as tmp_name, \
            run_sandbox(Path(tmp_name) / "sandbox.db", today=today) as box, \
            run_hello(Path(tmp_name) / "hello.log") as (hello_url, hello_pid):
        assert box.pid is not None
        # The hello-world gets the same bodies: both sides parse as much JSON.
        bench = Bench(hello_url + "/hello", hello_pid, box.url + "/v1/bookings", box.pid,
                      box.token, iter(booking_bodies(today, needed)), booking_bodies(today, n),
                      args.slices)
        bench.compare(4, WARM_UP)
        start = bench.compare(1, n)
        sides = {c: bench.compare(c, n) for c in CONCURRENCIES}
        fill_from = bench.made
        fill = run_phase(bench.booking_url, sessions(box.token, 16),
                         bench.take(max(args.fill - bench.made, 0)), box.pid)
        after_from = bench.made
        end = bench.compare(1, n)

    print(f"{'clients':>7}  {'hello-world POST':>34}  {'sandbox booking':>34}  ratio")

    def row(p: Phase) -> str:
        return f"{p.rate:7.1f}/s p99 {p.p99_ms:6.1f} ms cpu {p.cpu_ms:4.2f} ms"
    for c, side in sides.items():
        print(f"{c:>7}  {row(side.hello)}  {row(side.box)}  {side.ratio:5.2f}")
    if fill.done:
        print(f"filling: bookings {fill_from + 1:,}–{after_from:,} at 16 clients, "
              f"{fill.rate:.1f}/s")
    for name, side in ((f"bookings {WARM_UP + 1}–{WARM_UP + n}", start),
                       (f"bookings {after_from + 1:,}–{after_from + n:,}", end)):
        print(f"1 client, {name}: {row(side.box)} (hello {side.hello.rate:.1f}/s, "
              f"ratio {side.ratio:.2f}); {side.box.server_reads / side.box.done:.1f} read "
              f"calls a booking (hello {side.hello.server_reads / side.hello.done:.1f})")
    drift = end.ratio / start.ratio
    print(f"after/start: {drift:.2f} in ratio to the hello-world, "
          f"{end.box.rate / start.box.rate:.2f} in raw rate, "
          f"{start.box.cpu_ms / end.box.cpu_ms:.2f} in server CPU per booking (start/after)")
    ok = min(side.ratio for side in sides.values()) >= 0.5 and drift >= 0.9
    print(f"ratios are medians of {args.slices} back-to-back slices; target (>= 0.5x at every "
          f"concurrency; after 10,000 no more than 10% below the start): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
