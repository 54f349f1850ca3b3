"""`kiosk card read --backend pcsc` on the real pcscd + vpcd: output and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from vpcd_card import READER, SSN, VpcdCard, card_present, eventually

from devices import registry
from devices.idcard.pcsc import PcscReader
from kiosk.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["card", "read", "--json", "--backend", "pcsc", *argv])
    return code, json.loads(capsys.readouterr().out.strip())


def test_reads_masked(vcard: VpcdCard, capsys: pytest.CaptureFixture[str]) -> None:
    vcard.insert()
    code, out = run(capsys, "--reader", READER, "--timeout", "5")
    assert code == 0
    shown = out["card"]
    assert (shown["kind"], shown["name"], shown["sex"]) == ("social_security_card", "王*英", "女")
    assert shown["id_number"] == SSN[:4] + "*" * 10 + SSN[-4:]
    assert shown["card_number"] == "A*******8"


def test_no_card_and_no_reader(vpcd_port: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--reader", READER, "--timeout", "0.3")[0] == 3
    code, out = run(capsys, "--reader", "Nonexistent Reader", "--timeout", "1")
    assert (code, out["reason"]) == (4, "no-reader")
    assert "no PC/SC card reader" in out["message"]


def test_pcscd_down_is_offline(tmp_path: object) -> None:
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/pcscd.comm")
    proc = subprocess.run([sys.executable, "-m", "kiosk", "card", "read", "--backend", "pcsc",
                           "--json", "--timeout", "1"], env=env, capture_output=True,
                          text=True, timeout=60)
    out = json.loads(proc.stdout)
    assert (proc.returncode, out["reason"]) == (4, "no-service"), proc.stderr
    assert "pcscd" in out["message"]


def test_registry_builds_pcsc() -> None:
    reader = registry.make_idcard_reader("pcsc", {"reader": READER})
    assert isinstance(reader, PcscReader) and reader.reader == READER


def test_readers_listed(vcard: VpcdCard, capsys: pytest.CaptureFixture[str]) -> None:
    vcard.insert()
    assert eventually(lambda: card_present(READER))
    assert main(["card", "readers", "--json"]) == 0
    rows = {r["reader"]: r["state"] for r in json.loads(capsys.readouterr().out)["readers"]}
    assert rows[READER] == "online" and len(rows) == 2
