"""`kiosk card read` on the emulated GA 467 reader and the simulator: output, exit codes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from ga467_emulator import ID_NUMBER, Card, ReaderEmulator, card_fields

from devices import registry
from devices.idcard.ga467 import Ga467Reader
from kiosk.cli.card import PIN_ENV
from kiosk.cli import main
from kiosk.config import ConfigError, parse_config


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["card", "read", "--json", *argv])
    out = capsys.readouterr().out.strip()
    return code, json.loads(out) if out else {}


def test_reads_masked(emulator: ReaderEmulator, card: Card,
                      capsys: pytest.CaptureFixture[str]) -> None:
    emulator.card = card
    code, out = run(capsys, "--backend", "ga467", "--port", emulator.path, "--timeout", "5")
    assert code == 0 and out["ok"]
    shown = out["card"]
    assert shown["name"] == "张*明"
    assert shown["id_number"] == ID_NUMBER[:4] + "*" * 10 + ID_NUMBER[-4:]
    assert (shown["kind"], shown["sex"], shown["nation"]) == ("id_card", "男", "汉")
    assert shown["photo"] == "1024 bytes (wlt)"
    assert "沿江大道" not in json.dumps(out, ensure_ascii=False)


def test_reveal_needs_the_pin(emulator: ReaderEmulator, card: Card,
                              capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    emulator.card = card
    monkeypatch.setenv(PIN_ENV, hashlib.sha256(b"246810").hexdigest())
    args = ("--backend", "ga467", "--port", emulator.path, "--timeout", "5", "--reveal")
    code, out = run(capsys, *args, "--pin", "000000")
    assert (code, out["reason"]) == (6, "pin-refused")
    code, out = run(capsys, *args, "--pin", "246810")
    assert code == 0 and out["card"]["name"] == "张三明" and out["card"]["id_number"] == ID_NUMBER


def test_exit_codes(emulator: ReaderEmulator, capsys: pytest.CaptureFixture[str]) -> None:
    ga = ("--backend", "ga467", "--port", emulator.path)
    assert run(capsys, *ga, "--timeout", "0.3")[0] == 3
    emulator.card = Card(card_fields(id_number=ID_NUMBER[:-1] + "Y"))
    code, out = run(capsys, *ga, "--timeout", "5")
    assert (code, out["reason"]) == (5, "bad-id-number")
    code, out = run(capsys, "--backend", "ga467", "--port", "/dev/no-such-tty")
    assert (code, out["reason"]) == (4, "port-unavailable")
    assert run(capsys, "--backend", "ga467")[0] == 4  # no port: unusable configuration
    assert run(capsys)[0] == 2
    code, out = run(capsys, "--backend", "sim", "--resident", "1")
    assert code == 0 and out["card"]["kind"] in ("id_card", "social_security_card")


def test_backend_from_config(emulator: ReaderEmulator, card: Card, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    emulator.card = card
    toml = tmp_path / "kiosk.toml"
    toml.write_text(f'[platform]\nurl = "http://127.0.0.1:9"\ntoken = "t"\n'
                    f'[devices.idcard]\nbackend = "ga467"\nport = "{emulator.path}"\n'
                    f'[devices.printer]\nbackend = "simulated"\nout_dir = "{tmp_path}"\n',
                    encoding="utf-8")
    code, out = run(capsys, "--config", str(toml), "--timeout", "5")
    assert code == 0 and out["card"]["name"] == "张*明"


def test_config_and_registry() -> None:
    base = {"platform": {"url": "https://x", "token": "t"},
            "devices": {"printer": {"backend": "simulated", "out_dir": "/tmp"}}}
    with pytest.raises(ConfigError, match="devices.idcard.port"):
        parse_config({**base, "devices": {**base["devices"], "idcard": {"backend": "ga467"}}})
    cfg = parse_config({**base, "devices": {**base["devices"], "idcard": {
        "backend": "ga467", "port": "/dev/ttyUSB0", "baudrate": 9600}}})
    reader = registry.make_idcard_reader("ga467", cfg.devices.idcard.backend_options())
    assert isinstance(reader, Ga467Reader)
    assert (reader.port, reader.baudrate) == ("/dev/ttyUSB0", 9600)
