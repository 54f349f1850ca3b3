"""Schemathesis with every check against a real sandbox: the API documents say what it does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox_helpers import TODAY

from sandbox.api_document import TOOLS_DOCUMENT_PATH
from sandbox.testing import SandboxHandle, run_sandbox

CONFIG = Path(__file__).with_name("schemathesis.toml")
#: Fixed, so that a failure found once is found again by the next run and by `st replay`.
SEED = 20261123
#: Test cases per operation and phase: about 2,500 requests against Platform API v1 in all.
MAX_EXAMPLES = 80
TOKEN = "schemathesis-token"


@pytest.fixture(scope="module")
def fresh_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """A sandbox of its own: its bookings and its lookup ration touch no other test."""
    db = tmp_path_factory.mktemp("schemathesis") / "sandbox.db"
    with run_sandbox(db, tokens=[TOKEN], today=TODAY, sandbox_tools=True) as handle:
        yield handle


def run_schemathesis(document_url: str, base_url: str, workdir: Path) -> dict[str, Any]:
    """`st run` with every check, the seed and the bound; returns its JSON report."""
    report = workdir / "report.json"
    cmd = [str(Path(sys.executable).with_name("st")), "--no-color", "--config-file", str(CONFIG),
           "run", document_url, "--url", base_url,
           "--header", f"Authorization: Bearer {TOKEN}",
           "--checks", "all", "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES),
           "--phases", "examples,coverage,fuzzing,stateful",
           "--request-timeout", "10", "--workers", "1",
           "--report", "json", "--report-json-path", str(report)]
    # Schemathesis 4 sends nothing anywhere but to --url (no telemetry, no report upload);
    # no proxy either, so that a machine's proxy settings cannot route the run elsewhere.
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_COLOR"] = "1"
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=600)
    (workdir / "output.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    assert report.exists(), done.stdout[-4000:] + done.stderr[-4000:]
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    assert done.returncode == 0 and not data["failures"] and not data["errors"], \
        done.stdout[-12000:]
    return data


def test_platform_api_document_holds_under_every_check(fresh_sandbox: SandboxHandle,
                                                       tmp_path: Path) -> None:
    data = run_schemathesis(fresh_sandbox.url + "/openapi.json", fresh_sandbox.url, tmp_path)
    assert data["complete"] and data["stop_reason"] == "completed"
    ops = data["operations"]
    assert ops["tested"] == ops["total"] >= 14 and ops["errored"] == 0
    # Every phase ran, the stateful one along the document's links included.
    assert {name: p["status"] for name, p in data["phases"].items()} == dict.fromkeys(
        ("examples", "coverage", "fuzzing", "stateful"), "success")
    assert data["test_cases"]["generated"] > 1000


def test_sandbox_tools_document_holds_under_every_check(fresh_sandbox: SandboxHandle,
                                                        tmp_path: Path) -> None:
    data = run_schemathesis(fresh_sandbox.url + TOOLS_DOCUMENT_PATH, fresh_sandbox.url,
                            tmp_path)
    assert data["complete"]
    ops = data["operations"]
    assert ops["tested"] == ops["total"] >= 3 and ops["errored"] == 0
