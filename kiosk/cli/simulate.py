"""`kiosk simulate`: scripted resident sessions through the real BookingFlow, simulated devices,
no UI. Exit codes: `EXIT_CODES` below, numbers from the one table in exit_codes.py."""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import IO, Any, TypeVar

from devices.idcard.simulated import load_residents
from devices.printer.simulated import SimulatedPrinter
from kiosk.flows.booking.flow import BookingFlow, Step
from kiosk.flows.errors import FlowError
from writes.domains.booking import KIND_BOOKING, KIND_BOOKING_PROVISIONAL
from writes.outbox import open_outbox
from writes.queue import WriteQueue
from writes.sender import PlatformSender
from kiosk.flows.booking.provisional import OfflineBookings, ProvisionalBooking
from kiosk.config import ConfigError
from offline_cache.crypto import OutboxKeyError
from offline_cache.store import StoreError
from offline_cache.sync import Backoff, SyncWorker
from services.bookings import BookingService
from services.catalogue import CatalogueService
from services.client import PlatformClient
from services.errors import PlatformError

from .config_file import add_config_option, load
from .exit_codes import ExitCode, describe

log = logging.getLogger(__name__)
CST = timezone(timedelta(hours=8))
T = TypeVar("T")
#: How often a scripted resident taps again after "please try later" before walking away.
TAPS = 8
PHONES = ("13800138000", "13900139000", "13700137000", "15000150000")
#: Seconds per HTTP call when neither --http-timeout nor a config says.
HTTP_TIMEOUT = 5.0


def _patient(step: Callable[[], T], pause: Callable[[float], None]) -> T:
    """A resident who taps again when the screen says the network is slow."""
    for tap in range(TAPS):
        try:
            return step()
        except (FlowError, PlatformError):
            if tap == TAPS - 1:
                raise
            pause(0.02 * (tap + 1))
    raise AssertionError("unreachable")


def _no_slip(_booking: Any) -> bytes:
    # Burn-in measures the platform path; slips are tested with the real renderer elsewhere.
    return b"%PDF-1.4\n% simulated slip\n"


class Simulator:
    """Runs sessions one after another; every accepted write is appended to `out` at once."""

    def __init__(self, *, platform: str, token: str, db: str, out: IO[str], seed: int,
                 http_timeout: float = 5.0, key_file: str | None = None,
                 tls: dict[str, Any] | None = None) -> None:
        # tls: ca_file and pin_sha256 of the terminal's config, when it was read.
        self.client = PlatformClient(platform, token, timeout=http_timeout, **(tls or {}))
        self.catalogue = CatalogueService(self.client)
        self.bookings = BookingService(self.client)
        self.outbox = open_outbox(db, key_file=key_file)
        self.worker = SyncWorker(self.outbox, PlatformSender(self.client),
                                 backoff=Backoff(base_s=0.2, max_s=5.0),
                                 probe=self.client.reachable, probe_every_s=1.0)
        self.writes = WriteQueue(self.outbox, self.worker)
        self.residents = load_residents()
        self.printer = SimulatedPrinter(tempfile.mkdtemp(prefix="kiosk-sim-slips-"))
        self.printer.open()
        self.out = out
        self.seed = seed
        self.accepted = 0
        self.abandoned = 0

    def run(self, sessions: int) -> None:
        self.worker.start()
        try:
            for n in range(sessions):
                try:
                    self.session(n)
                except (FlowError, PlatformError) as exc:
                    # The resident walked away; what was queued still goes out later.
                    self.abandoned += 1
                    log.info("session %s abandoned: %s", n, type(exc).__name__)
        finally:
            self.worker.stop()
            self.client.close()

    def session(self, n: int) -> None:
        rng = random.Random(f"{self.seed}:{n}")
        keys: list[str] = []

        def new_key() -> str:
            keys.append(f"sim-{self.seed}-{n}-{rng.getrandbits(64):016x}")
            return keys[-1]
        person = rng.choice(self.residents)
        flow = BookingFlow(identity=person, catalogue=self.catalogue, bookings=self.bookings,
                           printer=self.printer, render_slip=_no_slip,
                           clock=lambda: datetime.now(CST), new_key=new_key, writes=self.writes,
                           offline=OfflineBookings(self.writes, terminal_id="SIM",
                                                   clock=lambda: datetime.now(CST),
                                                   new_key=new_key))
        pause = time.sleep
        items = _patient(lambda: flow.search("", limit=50), pause)
        if not items:
            raise FlowError("no bookable item")
        _patient(lambda: flow.choose_item(rng.choice(items)), pause)
        _patient(lambda: flow.choose_hall(rng.choice(flow.state.halls)), pause)
        days = flow.booking_days()[1:]
        rng.shuffle(days)
        for day in days:
            _patient(partial(flow.choose_day, day), pause)
            free = [s for s in flow.state.slots if s.remaining > 0]
            if not free:
                continue
            flow.choose_slot(rng.choice(free))
            flow.set_phone(rng.choice(PHONES))
            booking = self._confirm(flow, pause)
            if booking is None:  # the slot filled meanwhile: another day
                continue
            if isinstance(booking, ProvisionalBooking):
                # Accepted offline: the resident was told "provisional, decided on delivery".
                self._record(KIND_BOOKING_PROVISIONAL, booking.idempotency_key,
                             booking.reference, n)
            else:
                self._record(KIND_BOOKING, keys[-1], booking.reference, n)
            return
        raise FlowError("no free slot")

    @staticmethod
    def _confirm(flow: BookingFlow, pause: Callable[[float], None]) -> Any:
        for tap in range(TAPS):
            try:
                return flow.confirm()
            except FlowError:
                if flow.step is Step.CHOOSE_SLOT:
                    return None
                if tap == TAPS - 1:
                    raise
                pause(0.02 * (tap + 1))
        return None

    def _record(self, kind: str, key: str, reference: str, session: int) -> None:
        line = {"kind": kind, "idempotency_key": key, "reference": reference,
                "session": session}
        self.out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.out.flush()
        os.fsync(self.out.fileno())  # told "accepted" means on disk before the next resident
        self.accepted += 1


EXIT_CODES: dict[str, dict[ExitCode, str]] = {
    "simulate": {
        ExitCode.OK: "the sessions ran (abandoned ones are counted in the output)",
        ExitCode.USAGE: "the config file is missing or wrong (needed without --platform and "
                        "--token), --platform is plain http:// to another machine, or the "
                        "outbox cannot be opened",
    },
}


def run(args: Any) -> int:
    platform, token, http_timeout = args.platform, args.token, args.http_timeout
    tls: dict[str, Any] = {}
    if args.config or platform is None or token is None:
        # The terminal's platform and token; the outbox is always --db, never the terminal's.
        try:
            cfg = load(args.config)
        except ConfigError as exc:
            print(f"kiosk simulate: {exc}", file=sys.stderr)
            return ExitCode.USAGE
        platform, token = platform or cfg.platform.url, token or cfg.platform.token
        http_timeout = http_timeout or cfg.platform.timeout
        tls = cfg.platform.tls_options()
    try:
        out = open_owner_only(args.jsonl)
    except OSError as exc:
        print(f"kiosk simulate: cannot open {args.jsonl}: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    with out:
        try:
            sim = Simulator(platform=platform, token=token, db=args.db, out=out, seed=args.seed,
                            http_timeout=http_timeout or HTTP_TIMEOUT, key_file=args.key_file,
                            tls=tls)
        except ValueError as exc:  # e.g. --platform http:// to another machine
            print(f"kiosk simulate: {exc}", file=sys.stderr)
            return ExitCode.USAGE
        except (StoreError, OutboxKeyError, OSError) as exc:
            print(f"kiosk simulate: cannot open the outbox: {exc}", file=sys.stderr)
            return ExitCode.USAGE
        sim.run(args.sessions)
    print(json.dumps({"sessions": args.sessions, "accepted": sim.accepted,
                      "abandoned": sim.abandoned}))
    return ExitCode.OK


def open_owner_only(path: str) -> IO[str]:
    """Open the JSONL for appending, mode 0600 whatever the umask: its lines are residents'
    bookings (names, ID numbers)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also a file an earlier run made 0644
    except OSError:
        os.close(fd)
        raise
    return os.fdopen(fd, "a", encoding="utf-8")


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("simulate", help="scripted resident sessions, no UI (burn-in, load)",
                       epilog=describe(EXIT_CODES["simulate"]),
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--platform", help="Platform API base URL (default: platform.url)")
    p.add_argument("--token", help="bearer token (default: platform.token)")
    add_config_option(p, ": platform and token, when --platform or --token is not given")
    p.add_argument("--db", required=True, help="an outbox database for the simulated terminal")
    p.add_argument("--jsonl", required=True, help="append accepted writes here")
    p.add_argument("--http-timeout", type=float,
                   help=f"seconds (default: platform.timeout, else {HTTP_TIMEOUT:g})")
    p.add_argument("--key-file", help="outbox key (default: <DB folder>-keys/<DB name>.key, "
                                      "made on first use)")
    p.set_defaults(handler=run)
