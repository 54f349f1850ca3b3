"""Fixtures shared across the suite: a real sandbox platform on a free port, the CUPS test queue;
which tests share a machine-wide service and so run in one pytest-xdist worker."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.testing import SandboxHandle, run_sandbox


# `make test` runs the suite in pytest-xdist workers (scripts/run-tests.sh, --dist loadgroup).
# Tests that use one of these fixtures share a service of the whole run (one CUPS test queue
# whose state they change and whose PDF folder they read; one vpcd socket that takes one card
# at a time and a pcscd that a test restarts), so each such set runs in one worker, in order.
SHARED_SERVICES = {"cups_queue": "cups", "vpcd_port": "pcsc"}


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        groups = {SHARED_SERVICES[f] for f in getattr(item, "fixturenames", ())
                  if f in SHARED_SERVICES}
        if len(groups) > 1:  # xdist would make a third group of the two, running beside both
            raise pytest.UsageError(f"{item.nodeid} uses {sorted(groups)}: give those one group")
        for group in groups:
            item.add_marker(pytest.mark.xdist_group(group))


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
