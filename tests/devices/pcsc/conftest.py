"""Fixtures: the private pcscd + vpcd of scripts/services/pcscd.sh and an emulated card."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from vpcd_card import READER, VpcdCard

from devices.idcard.pcsc import PcscReader

@pytest.fixture(scope="session")
def vpcd_port() -> int:
    """vpcd's port; fails (never skips) when the test services are not running."""
    port = os.environ.get("KIOSK_TEST_VPCD_PORT")
    if not port:
        problem = os.environ.get("KIOSK_TEST_PCSC_PROBLEM", "KIOSK_TEST_VPCD_PORT is not set")
        pytest.fail(f"no pcscd with vpcd: {problem}; run the tests through `make test` or "
                    "`scripts/with-test-services.sh .venv/bin/python -m pytest ...` as root",
                    pytrace=False)
    return int(port)


@pytest.fixture()
def vcard(vpcd_port: int) -> Iterator[VpcdCard]:
    card = VpcdCard(vpcd_port)
    yield card
    card.remove()


@pytest.fixture()
def reader(vpcd_port: int) -> Iterator[PcscReader]:
    r = PcscReader(READER, poll_interval=0.05)
    r.open()
    yield r
    r.close()

