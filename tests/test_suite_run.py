"""How `make test` runs the suite (scripts/run-tests.sh): a crashed worker and an empty run fail,
and tests that share a service of the run take turns on its lock across workers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The inner runs import the lock hook from this suite's conftest; nothing else of it.
INNER_CONFTEST = """
import pytest
from tests.conftest import pytest_runtest_protocol  # noqa: F401  (the hook under test)

@pytest.fixture()
def cups_queue() -> str:
    return "kiosk-test"
"""

# Each test, once running, watches for the other to be running too, for a while: the window
# is what would catch two of them holding the CUPS queue at once.
INNER_TESTS = """
import os
import time
from pathlib import Path

MARKS = Path(os.environ["INNER_MARKS"])

def _hold(me: str, other: str) -> None:
    (MARKS / f"{me}.in").touch()
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:
        if (MARKS / f"{other}.in").exists() and not (MARKS / f"{other}.out").exists():
            (MARKS / "overlap").touch()
            break
        time.sleep(0.02)
    (MARKS / f"{me}.out").touch()

def test_a(cups_queue: str) -> None:
    _hold("a", "b")

def test_b(cups_queue: str) -> None:
    _hold("b", "a")
"""


def run_suite(tmp_path: Path, tests: Path, workers: int) -> subprocess.CompletedProcess[str]:
    state = tmp_path / "state"
    state.mkdir(exist_ok=True)
    env = dict(os.environ, KIOSK_TEST_STATE=str(state), INNER_MARKS=str(tmp_path),
               KIOSK_TEST_WORKERS=str(workers),
               PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                          if p))
    env.pop("PYTEST_XDIST_WORKER", None)
    # Without the plugins these tests do not use: loading Schemathesis's, and Hypothesis's at
    # the summary, took longer than the inner runs themselves.
    return subprocess.run([str(ROOT / "scripts" / "run-tests.sh"), sys.executable,
                           "-p", "no:schemathesis", "-p", "no:hypothesispytest", "-p", "no:anyio",
                           "-q", str(tests)],
                          capture_output=True, text=True, timeout=300, env=env, check=False)


def test_tests_sharing_the_cups_queue_take_turns_across_workers(tmp_path: Path) -> None:
    tests = tmp_path / "inner"
    tests.mkdir()
    (tests / "conftest.py").write_text(INNER_CONFTEST)
    (tests / "test_shared.py").write_text(INNER_TESTS)
    done = run_suite(tmp_path, tests, workers=2)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
    assert not (tmp_path / "overlap").exists(), "two tests held the CUPS queue at once"


def test_a_crashed_worker_fails_the_run(tmp_path: Path) -> None:
    tests = tmp_path / "inner"
    tests.mkdir()
    (tests / "test_dies.py").write_text(
        "import os, signal\n\n"
        "def test_dies() -> None:\n    os.kill(os.getpid(), signal.SIGKILL)\n\n"
        "def test_lives() -> None:\n    pass\n")
    done = run_suite(tmp_path, tests, workers=1)  # replaced after the crash
    assert done.returncode == 1, done.stdout + done.stderr
    assert "crashed" in done.stdout and "1 passed" in done.stdout


def test_a_run_of_no_tests_fails(tmp_path: Path) -> None:
    tests = tmp_path / "inner"
    tests.mkdir()
    done = run_suite(tmp_path, tests, workers=1)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pytest ran no tests" in done.stderr
