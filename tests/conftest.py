"""Fixtures shared across the suite: a real sandbox platform on a free port."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from sandbox.testing import SandboxHandle, run_sandbox


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
