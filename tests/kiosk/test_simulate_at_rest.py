"""`kiosk simulate` at rest: its JSONL of accepted writes (residents' bookings) is owner-only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from sandbox.testing import run_sandbox

ROOT = Path(__file__).resolve().parents[2]


def test_jsonl_and_outbox_are_owner_only_under_umask_022(tmp_path: Path) -> None:
    out, db = tmp_path / "out.jsonl", tmp_path / "data" / "kiosk.db"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    with run_sandbox(tmp_path / "sandbox.db") as platform:
        sim = subprocess.run(
            [sys.executable, "-m", "kiosk.cli", "simulate", "--sessions", "2", "--platform",
             platform.url, "--token", platform.token, "--db", str(db), "--jsonl", str(out)],
            capture_output=True, text=True, timeout=120, env=env, cwd=ROOT, umask=0o022)
    assert sim.returncode == 0, sim.stderr[-2000:]
    assert out.read_text(encoding="utf-8").strip(), "no accepted write to check"
    for path in (out, db):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name}"
