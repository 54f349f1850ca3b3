"""`kiosk simulate` SIGKILLed at random moments and restarted: nothing acknowledged is lost or
applied twice."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from pathlib import Path

from chaos_helpers import (accepted_writes, assert_exactly_once, assert_one_seat_per_session,
                           kiosk_cmd, kiosk_env, ledger,
                           run_kiosk, ROOT)
from fault_proxy import FaultPlan, fault_proxy

from offline_cache.store import Store
from sandbox.testing import run_sandbox

KILLS = 6
#: How long a restarted `kiosk simulate` may take to acknowledge its first session: a bound so
#: that a hung start fails the test (on `assert acked`), not a guess at how long it takes.
FIRST_SESSION_S = 60.0


def _acked_bytes(out: Path) -> int:
    return out.stat().st_size if out.exists() else 0


def test_sigkill_during_simulate_then_restart(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    db = tmp_path / "kiosk.db"
    rng = random.Random(11)
    plan = FaultPlan(rate=0.15, seed=5, delay_s=0.6)
    killed = 0
    with run_sandbox(tmp_path / "sandbox.db") as platform, \
            fault_proxy(platform.url, plan) as proxy:
        for run in range(KILLS):
            # A new seed per restart: the restarted terminal serves new residents.
            proc = subprocess.Popen(
                kiosk_cmd("simulate", "--sessions", "40", "--seed", str(100 + run),
                          "--platform", proxy, "--token", platform.token, "--db", str(db),
                          "--jsonl", str(out), "--http-timeout", "0.5"),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=kiosk_env(),
                cwd=ROOT)
            # Kill mid-sessions: once this run has acknowledged a session (its start-up took
            # from 0.5 s on a quiet machine to over 3 s on a busy one), at a random moment.
            started = _acked_bytes(out)
            deadline = time.monotonic() + FIRST_SESSION_S
            while (_acked_bytes(out) == started and proc.poll() is None
                   and time.monotonic() < deadline):
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 2.0))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed += 1
            proc.wait(30)
            store = Store(db)  # the outbox survives every kill intact
            assert store.integrity_ok()
            store.close()
        sync = run_kiosk("sync", "--db", str(db), "--platform", proxy, "--token",
                         platform.token, "--until-empty", "--timeout", "120",
                         "--http-timeout", "0.5")
        assert sync.returncode == 0, sync.stdout + sync.stderr[-2000:]
        writes = ledger(platform)
    acked = accepted_writes(out)
    print(f"chaos kill: kills={killed} acknowledged={len(acked)} applied={len(writes)} "
          f"faults={dict(plan.counts)}")
    assert killed >= KILLS // 2, "the kills should land while sessions run"
    assert acked, "some sessions finished between kills"
    assert_exactly_once(acked, writes)
    assert_one_seat_per_session(writes)
