"""Fixtures for the sandbox tests: one real sandbox server with a frozen clock, and an API
helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sandbox.testing import SandboxHandle, run_sandbox
from sandbox_helpers import TODAY, TOKENS, Api


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    db = tmp_path_factory.mktemp("sandbox") / "sandbox.db"
    with run_sandbox(db, tokens=TOKENS, today=TODAY) as handle:
        yield handle


@pytest.fixture(scope="session")
def api(sandbox: SandboxHandle) -> Api:
    return Api(sandbox)
