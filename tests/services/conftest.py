"""Fixtures for the platform client tests: a real sandbox and a client bound to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from service_helpers import TODAY

from sandbox.testing import SandboxHandle, run_sandbox
from services.client import PlatformClient


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("platform") / "sandbox.db"
    with run_sandbox(db, tokens=["client-token"], today=TODAY) as handle:
        yield handle


@pytest.fixture()
def client(platform: SandboxHandle) -> Iterator[PlatformClient]:
    with PlatformClient(platform.url, platform.token, timeout=10) as c:
        yield c
