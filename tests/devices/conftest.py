"""Fixtures for device tests: the CUPS test queue started by scripts/services/cups.sh."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest

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


def cups_admin(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, timeout=20)


@pytest.fixture()
def restore_queue(cups_queue: str) -> Iterator[str]:
    """Yields the queue and puts it back to enabled + accepting whatever the test did."""
    yield cups_queue
    cups_admin("cupsenable", cups_queue)
    cups_admin("cupsaccept", cups_queue)
