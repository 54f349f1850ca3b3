"""Benchmark: memory of the real app over a long soak (`kiosk soak`, issue 11): RSS, Python
objects and Kivy observers at the baseline (the sample after the first --every sessions, once
fonts, screens and caches are warm) against the end, with the ratio of each."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: The limits of issue 11: RSS at most 2% above the baseline; observers not above it.
RSS_LIMIT = 1.02


def soak(sessions: int, every: int, seed: int) -> dict[str, Any]:
    """`kiosk soak --json` in a process of its own (offscreen: no display)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    proc = subprocess.run([sys.executable, "-m", "kiosk.cli", "soak", "--sessions", str(sessions),
                           "--every", str(every), "--seed", str(seed), "--json"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise SystemExit(f"kiosk soak said nothing (exit {proc.returncode}):\n"
                         f"{proc.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--sessions", type=int, default=1000)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = soak(args.sessions, args.every, args.seed)
    samples = result["samples"]
    print(f"{'sessions':>8} {'RSS MB':>8} {'heap MB':>8} {'objects':>9} {'observers':>9}")
    for s in samples:
        print(f"{s['sessions']:>8} {s['rss_mb']:>8.1f} {s['native_heap_mb'] or 0:>8.1f} "
              f"{s['objects']:>9} {s['observers']:>9}")
    verdict = result["verdict"]
    base = next(s for s in samples if s["sessions"] == verdict["baseline_sessions"])
    last = samples[-1]
    print(f"{args.sessions} sessions in {time.monotonic() - started:.0f} s "
          f"({result['seconds'] / args.sessions:.1f} s a session), "
          f"{verdict['failed']} failed")
    for label, key in (("RSS MB", "rss_mb"), ("Python objects", "objects"),
                       ("Kivy observers", "observers")):
        print(f"{label}: baseline (session {base['sessions']}) {base[key]}, "
              f"project (session {last['sessions']}) {last[key]}, "
              f"ratio {last[key] / base[key]:.3f}")
    print(f"first sample (session {samples[0]['sessions']}): RSS {samples[0]['rss_mb']} MB")
    ok = last["rss_mb"] <= base["rss_mb"] * RSS_LIMIT and last["observers"] <= base["observers"]
    print("within the limits (RSS ≤ +2%, observers not growing)" if ok
          else "LIMITS BROKEN: " + "; ".join(verdict["problems"]))
    return 0 if ok and not verdict["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
