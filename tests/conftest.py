"""Fixtures shared across the suite: a real sandbox platform on a free port, the CUPS test queue;
the locks that make tests sharing a service of the run take turns across pytest-xdist workers."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from sandbox.testing import SandboxHandle, run_sandbox


# `make test` runs the suite in pytest-xdist workers (scripts/run-tests.sh). Tests that use one
# of these fixtures share a service of the whole run: one CUPS test queue whose state they
# change and whose PDF folder they read, one vpcd socket that takes one card at a time and a
# pcscd that a test restarts. Each such test holds the service's lock (a file in the run's
# KIOSK_TEST_STATE) from its setup to its teardown, so they take turns whichever worker runs
# them. A lock and not xdist's `xdist_group`: with pytest 9.2 `--dist loadgroup` silently
# stops grouping (pytest-xdist issue 1386).
SHARED_SERVICES = {"cups_queue": "cups", "vpcd_port": "pcsc"}


@contextmanager
def _service_lock(name: str) -> Iterator[None]:
    state = os.environ.get("KIOSK_TEST_STATE")
    if not state:  # no services started: the test fails at its fixture (HOW_TO_RUN)
        yield
        return
    with open(Path(state) / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, or the worker dies
        yield


#: The files whose tests take minutes (measured with --durations in make test). Worksteal
#: starts each worker on its own half of the list, and a worker steals only from the end of
#: the other's half: one of these left at the end of a half runs alone for its minutes while
#: the other worker idles. So they go first, shared out between the two halves.
SLOW_FILES = ("tests/kiosk/test_demo.py", "tests/kiosk/test_soak.py",
              "tests/chaos/test_chaos_proxy.py", "tests/sandbox/test_schemathesis.py",
              "tests/kiosk/test_app_offline.py", "tests/chaos/test_chaos_kill.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Deterministic (every xdist worker must collect the same order): the collected order
    # with the slow tests taken out and put at the head of each half, alternately.
    slow = [i for i in items if i.nodeid.split("::")[0] in SLOW_FILES]
    if not slow:
        return
    rest = [i for i in items if i.nodeid.split("::")[0] not in SLOW_FILES]
    first, second = slow[0::2], slow[1::2]
    cut = max(0, len(items) // 2 - len(first))
    items[:] = first + rest[:cut] + second + rest[cut:]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[object]:
    names = sorted({SHARED_SERVICES[f] for f in getattr(item, "fixturenames", ())
                    if f in SHARED_SERVICES})  # sorted: two locks always taken in one order
    with ExitStack() as held:
        for name in names:
            held.enter_context(_service_lock(name))
        return (yield)


@pytest.fixture(scope="session")
def shared_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """One sandbox for tests that only read, or write on their own slots."""
    db = tmp_path_factory.mktemp("platform") / "sandbox.db"
    with run_sandbox(str(db)) as handle:
        yield handle


@pytest.fixture()
def fresh_platform(tmp_path: Path) -> Iterator[SandboxHandle]:
    """A sandbox with a fresh database, for tests that count seats."""
    with run_sandbox(str(tmp_path / "sandbox.db")) as handle:
        yield handle


HOW_TO_RUN = ("run the tests through `make test` or "
              "`scripts/with-test-services.sh .venv/bin/python -m pytest ...` (as root), which "
              "starts cupsd with the cups-pdf queue and exports KIOSK_TEST_PRINTER")


@pytest.fixture(scope="session")
def cups_queue() -> str:
    """The queue name; fails (never skips) when the test services are not running."""
    queue = os.environ.get("KIOSK_TEST_PRINTER")
    if not queue:
        problem = os.environ.get("KIOSK_TEST_PRINTER_PROBLEM", "KIOSK_TEST_PRINTER is not set")
        pytest.fail(f"no CUPS test queue: {problem}; {HOW_TO_RUN}", pytrace=False)
    return queue
