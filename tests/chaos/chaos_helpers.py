"""Helpers shared by the chaos tests: running kiosk commands, reading OUT and the ledger."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

ROOT = Path(__file__).resolve().parents[2]


def kiosk_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "kiosk.cli", *args]


def kiosk_env() -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))


def run_kiosk(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(kiosk_cmd(*args), capture_output=True, text=True, timeout=timeout,
                          env=kiosk_env(), cwd=ROOT)


def accepted_writes(path: Path) -> list[dict[str, Any]]:
    """Lines of OUT; a torn last line (process killed while writing) is not an acknowledgement."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines):
        try:
            out.append(json.loads(line))
        except ValueError:
            assert i == len(lines) - 1, "only the last line may be torn"
    return out


def ledger(platform: Any) -> list[dict[str, Any]]:
    req = Request(platform.url + "/sandbox/ledger",
                  headers={"Authorization": f"Bearer {platform.token}"})
    with urlopen(req, timeout=30) as resp:  # noqa: S310 - the local sandbox
        return list(json.load(resp)["writes"])


def assert_exactly_once(out: list[dict[str, Any]], writes: list[dict[str, Any]]) -> None:
    keys = [w["idempotency_key"] for w in writes]
    assert len(keys) == len(set(keys)), "a write took effect twice"
    applied = set(keys)
    missing = [w for w in out if w["idempotency_key"] not in applied]
    assert not missing, f"{len(missing)} acknowledged writes never reached the platform"


def assert_one_seat_per_session(writes: list[dict[str, Any]]) -> None:
    """A session books at most one seat, even when its ordinary booking and the provisional
    one that superseded it both reached the platform (keys are sim-<seed>-<session>-<n>)."""
    seats: dict[str, set[str]] = {}
    for w in writes:
        if w["kind"] in ("booking.create", "booking.provisional") and w["reference"] \
                and not str(w["reference"]).startswith("L"):
            seats.setdefault(w["idempotency_key"].rsplit("-", 1)[0], set()).add(w["reference"])
    doubled = {s: refs for s, refs in seats.items() if len(refs) > 1}
    assert not doubled, f"sessions holding two seats: {doubled}"
