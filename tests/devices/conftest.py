"""Fixtures for device tests: putting the CUPS test queue (tests/conftest.py) back after a test."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest



def cups_admin(*args: str) -> None:
    subprocess.run(list(args), check=True, capture_output=True, timeout=20)


@pytest.fixture()
def restore_queue(cups_queue: str) -> Iterator[str]:
    """Yields the queue and puts it back to enabled + accepting whatever the test did."""
    yield cups_queue
    cups_admin("cupsenable", cups_queue)
    cups_admin("cupsaccept", cups_queue)
