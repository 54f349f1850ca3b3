"""Benchmark: what each Python process of a `make test` run pays before it does anything, the
way the suite ran before issue 11 (project compiled from source, Schemathesis's pytest plugin
loaded) against scripts/run-tests.sh (bytecode cached, no plugin); rounds alternate."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: What a sandbox server and a `kiosk` command import: the tests start hundreds of them.
CHILD = "import sandbox.app, kiosk.cli; kiosk.cli.build_parser()"
#: A pytest process that collects one small module (a worker pays this, then collects more).
PYTEST = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-q",
          "tests/test_readme_layout.py"]


def cpu_seconds(cmd: list[str], env: dict[str, str]) -> float:
    """User + system CPU time of one child process: steadier than wall time on a busy host."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return float(usage.ru_utime + usage.ru_stime)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    base = dict(os.environ, PYTHONPATH=os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p))
    with tempfile.TemporaryDirectory() as empty, tempfile.TemporaryDirectory() as cache:
        # Before: nothing may be written and the (empty) prefix hides any __pycache__ in the
        # tree, so every process compiles the project from source, as on CI before.
        source = dict(base, PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=empty)
        cached = {k: v for k, v in base.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached["PYTHONPYCACHEPREFIX"] = cache
        child, pytest_run = [sys.executable, "-c", CHILD], PYTEST
        cpu_seconds(child, cached)  # the first process of a run writes the cache
        cpu_seconds(pytest_run, cached)
        runs: dict[str, list[float]] = {k: [] for k in ("src", "pyc", "plugin", "noplugin")}
        for _ in range(args.rounds):
            runs["src"].append(cpu_seconds(child, source))
            runs["pyc"].append(cpu_seconds(child, cached))
            # The plugin compared with the bytecode cached in both, so only it differs.
            runs["plugin"].append(cpu_seconds([*pytest_run, "-o", "addopts=-ra"], cached))
            runs["noplugin"].append(cpu_seconds(pytest_run, cached))
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"CPU s per process, median of {args.rounds} alternating rounds")
    print(f"test child ({CHILD!r}):")
    print(f"  compiled from source (before) {med['src']:.3f}   bytecode cached (now) "
          f"{med['pyc']:.3f}   ratio {med['src'] / med['pyc']:.2f}x")
    print("pytest start, one small module collected:")
    print(f"  Schemathesis plugin (before)  {med['plugin']:.3f}   without (now)         "
          f"{med['noplugin']:.3f}   ratio {med['plugin'] / med['noplugin']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
