"""Schemathesis with every check against a real sandbox: the API documents say what it does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from sandbox_helpers import TODAY

from sandbox.api_document import TOOLS_DOCUMENT_PATH
from sandbox.testing import SandboxHandle, run_sandbox
from tests.validation_corpus import id_number

CONFIG = Path(__file__).with_name("schemathesis.toml")
#: Fixed, so that a failure found once is found again by the next run and by `st replay`.
SEED = 20261123
#: Test cases per operation and phase: about 2,500 requests against Platform API v1 in all.
MAX_EXAMPLES = 80
#: Lookups by reference are rationed per token (30, then one per 2 s): the stateful run gets
#: a token of its own so that its lookups of the bookings it made are not all 429.
TOKEN, STATEFUL_TOKEN = "schemathesis-token", "schemathesis-stateful-token"
#: How often a bound field takes a realistic value instead of a generated one.
PROBABILITY = 0.8


def realistic_data(sessions: list[str]) -> str:
    """Dictionaries of values that fit together in the test's frozen week (TOML), so that some
    generated bookings are taken and the links from a booking lead somewhere: generated ID
    numbers almost never carry the right check digit, and generated slot ids name nothing.
    `sessions` are live resident sessions of the run's terminal: a made-up X-Resident-Session
    is 401, so without them the writes that take one would hardly ever get through."""
    days = [(TODAY + timedelta(days=n)).isoformat() for n in range(1, 5)]  # Tuesday-Friday
    times = [f"{h:02d}:{m:02d}" for h in (9, 10, 11, 14, 15, 16) for m in (0, 30)]
    values = {
        "id-numbers": [id_number(f"42010219900101{n:03d}") for n in range(40)],
        "names": ["张小明", "李华", "王芳"], "items": ["RS-S001"], "halls": ["HALL-CITY"],
        "days": days, "slots": [f"HALL-CITY@{d}T{t}" for d in days for t in times],
        # Generated keys repeat ("0", "00"), and a key used before with another request is
        # 422 idempotency-key-reused: a cancel would hardly ever get through.
        "keys": [f"st-{SEED}-{n:04d}" for n in range(2000)], "sessions": sessions}
    bound = {
        "days": ["query.date"], "halls": ["query.hall", "body.hall_id", "body.booking.hall_id"],
        "items": ["path.item_id", "body.item_id", "body.booking.item_id"],
        "slots": ["body.slot_id", "body.booking.slot_id"],
        "id-numbers": ["body.resident.id_number", "body.booking.resident.id_number",
                       "body.id_number"],
        "names": ["body.resident.name", "body.booking.resident.name"],
        "keys": ["header.Idempotency-Key"], "sessions": ["header.X-Resident-Session"]}
    lines = [f"[dictionaries.{name}]\nvalues = {json.dumps(v, ensure_ascii=False)}\n"
             for name, v in values.items()]
    lines.append("[parameters]")
    lines += [f'"{key}" = {{ dictionary = "{name}", probability = {PROBABILITY} }}'
              for name, keys in bound.items() for key in keys]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def fresh_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxHandle]:
    """A sandbox of its own: its bookings and its lookup ration touch no other test."""
    db = tmp_path_factory.mktemp("schemathesis") / "sandbox.db"
    with run_sandbox(db, tokens=[TOKEN, STATEFUL_TOKEN], today=TODAY,
                     sandbox_tools=True) as handle:
        yield handle


def open_sessions(base_url: str, token: str) -> list[str]:
    """Resident sessions opened by `token`'s terminal for the first residents of the data."""
    tokens = []
    for n in range(3):
        r = requests.post(base_url + "/v1/identity/sessions", timeout=10,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"method": "idcard", "name": "张小明", "verified_by": "face",
                                "id_number": id_number(f"42010219900101{n:03d}")})
        assert r.status_code == 201, r.text
        tokens.append(r.json()["token"])
    return tokens


def run_schemathesis(document_url: str, base_url: str, workdir: Path, phases: str,
                     token: str = TOKEN) -> dict[str, Any]:
    """`st run` with every check, the seed and the bound; returns its JSON report."""
    report = workdir / f"report-{phases.replace(',', '-')}.json"
    config = workdir / "schemathesis.toml"
    config.write_text(CONFIG.read_text(encoding="utf-8") + "\n"
                      + realistic_data(open_sessions(base_url, token)), encoding="utf-8")
    cmd = [str(Path(sys.executable).with_name("st")), "--no-color", "--config-file", str(config),
           "run", document_url, "--url", base_url,
           "--header", f"Authorization: Bearer {token}",
           "--checks", "all", "--seed", str(SEED), "--max-examples", str(MAX_EXAMPLES),
           "--phases", phases,
           "--request-timeout", "10", "--workers", "1",
           "--report", "json", "--report-json-path", str(report)]
    # Schemathesis 4 sends nothing anywhere but to --url (no telemetry, no report upload);
    # no proxy either, so that a machine's proxy settings cannot route the run elsewhere.
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["NO_COLOR"] = "1"
    done = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True,
                          timeout=600)
    report.with_suffix(".txt").write_text(done.stdout + done.stderr, encoding="utf-8")
    assert report.exists(), done.stdout[-4000:] + done.stderr[-4000:]
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    assert done.returncode == 0 and not data["failures"] and not data["errors"], \
        done.stdout[-12000:]
    return data


def phase_status(data: dict[str, Any]) -> dict[str, str]:
    return {name: p["status"] for name, p in data["phases"].items()}


def test_platform_api_document_holds_under_every_check(fresh_sandbox: SandboxHandle,
                                                       tmp_path: Path) -> None:
    data = run_schemathesis(fresh_sandbox.url + "/openapi.json", fresh_sandbox.url, tmp_path,
                            "examples,coverage,fuzzing")
    assert data["complete"] and data["stop_reason"] == "completed"
    ops = data["operations"]
    assert ops["tested"] == ops["total"] >= 14 and ops["errored"] == 0
    assert {k: v for k, v in phase_status(data).items() if k != "stateful"} == dict.fromkeys(
        ("examples", "coverage", "fuzzing"), "success")
    assert data["test_cases"]["generated"] > 1000


def test_platform_api_links_hold_under_every_check(fresh_sandbox: SandboxHandle,
                                                   tmp_path: Path) -> None:
    """The stateful phase follows the document's links: booking -> lookup, cancel, SMS."""
    before = len(ledger(fresh_sandbox, STATEFUL_TOKEN))
    data = run_schemathesis(fresh_sandbox.url + "/openapi.json", fresh_sandbox.url, tmp_path,
                            "stateful", token=STATEFUL_TOKEN)
    assert data["complete"] and phase_status(data)["stateful"] == "success"
    kinds = Counter(w["kind"] for w in ledger(fresh_sandbox, STATEFUL_TOKEN)[before:])
    # Bookings were taken, and the links from them led to cancelling some.
    assert kinds["booking.create"] >= 3 and kinds["booking.cancel"] >= 1, kinds


def ledger(sandbox: SandboxHandle, token: str) -> list[dict[str, Any]]:
    """The writes `token`'s terminal had applied (the ledger is each terminal's own)."""
    r = requests.get(sandbox.url + "/sandbox/ledger", timeout=10,
                     headers={"Authorization": f"Bearer {token}"})
    writes: list[dict[str, Any]] = r.json()["writes"]
    return writes


def test_sandbox_tools_document_holds_under_every_check(fresh_sandbox: SandboxHandle,
                                                        tmp_path: Path) -> None:
    data = run_schemathesis(fresh_sandbox.url + TOOLS_DOCUMENT_PATH, fresh_sandbox.url,
                            tmp_path, "examples,coverage,fuzzing,stateful")
    assert data["complete"]
    ops = data["operations"]
    assert ops["tested"] == ops["total"] >= 3 and ops["errored"] == 0
