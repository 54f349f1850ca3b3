"""TLS keys of [platform]: checked by the config (check-config exit 2 naming the key) and
passed to the platform client by the commands that make one."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.cli.exit_codes import ExitCode
from kiosk.config import ConfigError, parse_config
from writes.domains.booking import KIND_BOOKING
from writes.outbox import open_outbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))
from service_helpers import request_for  # noqa: E402
from tls_server import Issued, make_ca, make_leaf, tls_server  # noqa: E402

PRINTER = {"printer": {"backend": "cups", "queue": "q"}}


def _platform(**keys: object) -> dict[str, object]:
    return {"platform": {"url": "https://platform.example", "token": "t", **keys},
            "devices": PRINTER}


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Issued, Issued]:
    d = tmp_path_factory.mktemp("city-pki")
    ca = make_ca(d, "city")
    return ca, make_leaf(d, "leaf", ca)


def _toml(path: Path, url: str, extra: str = "") -> Path:
    path.write_text(f'[platform]\nurl = "{url}"\ntoken = "t"\n{extra}\n'
                    '[devices.printer]\nqueue = "slips"\n'
                    f'[outbox]\ndb = "{path.with_suffix(".db")}"\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("url", ["http://platform.example/api", "http://10.0.0.2:8000",
                                 "http://[fe80::1]", "http://localhost.example"])
def test_plain_http_off_this_machine_is_a_config_error(url: str) -> None:
    with pytest.raises(ConfigError, match="platform.url: must be https://"):
        parse_config(_platform(url=url))


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://127.1.2.3",
                                 "http://localhost:9", "http://[::1]:9",
                                 "https://platform.example"])
def test_https_and_loopback_http_are_fine(url: str) -> None:
    assert parse_config(_platform(url=url)).platform.url == url


def test_good_tls_keys_pass(city: tuple[Issued, Issued]) -> None:
    ca, leaf = city
    cfg = parse_config(_platform(ca_file=str(ca.cert_file),
                                 pin_sha256=[leaf.pin_base64, leaf.spki_sha256.hex()]))
    assert cfg.platform.tls_options() == {
        "ca_file": str(ca.cert_file), "pin_sha256": (leaf.pin_base64, leaf.spki_sha256.hex())}
    assert parse_config(_platform()).platform.tls_options() == {"ca_file": None,
                                                                "pin_sha256": ()}


@pytest.mark.parametrize("extra, key", [
    ('ca_file = "{missing}"', "platform.ca_file"),
    ('ca_file = "{not_pem}"', "platform.ca_file"),
    ('ca_file = "{folder}"', "platform.ca_file"),
    ('pin_sha256 = ["abc"]', "platform.pin_sha256"),
    ('pin_sha256 = "{pin}"', "platform.pin_sha256"),  # one string, not a list
    ('pin_sha256 = ["{pin}", "{pin_hex}00"]', "platform.pin_sha256"),
    ('insecure = true', "platform.insecure"),  # there is no such switch
], ids=["ca-missing", "ca-not-pem", "ca-folder", "pin-short", "pin-not-list", "pin-hex-long",
        "no-insecure"])
def test_check_config_refuses_bad_tls_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           city: tuple[Issued, Issued], extra: str,
                                           key: str) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n",
                       encoding="utf-8")
    line = extra.format(missing=tmp_path / "none.pem", not_pem=not_pem, folder=tmp_path,
                        pin=city[1].pin_base64, pin_hex=city[1].spki_sha256.hex())
    cfg = _toml(tmp_path / "kiosk.toml", "https://platform.example", line)
    assert main(["check-config", "--config", str(cfg)]) == ExitCode.USAGE
    assert key in capsys.readouterr().err


def test_check_config_refuses_plain_http_off_this_machine(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    cfg = _toml(tmp_path / "kiosk.toml", "http://platform.example")
    assert main(["check-config", "--config", str(cfg)]) == ExitCode.USAGE
    assert "platform.url: must be https://" in capsys.readouterr().err
    cfg = _toml(tmp_path / "kiosk.toml", "http://127.0.0.1:8000")
    assert main(["check-config", "--config", str(cfg)]) == ExitCode.OK


def test_sync_uses_the_configs_ca_file(tmp_path: Path, city: tuple[Issued, Issued]) -> None:
    ca, leaf = city
    with tls_server(leaf) as server:
        cfg = _toml(tmp_path / "kiosk.toml", server.url, f'ca_file = "{ca.cert_file}"\n'
                    f'pin_sha256 = ["{leaf.pin_base64}"]')
        box = open_outbox(tmp_path / "kiosk.db")
        box.enqueue(KIND_BOOKING, request_for("HALL-CITY@2026-11-23T09:00"), resident="r")
        box.store.close()
        code = main(["sync", "--config", str(cfg), "--until-empty", "--timeout", "5"])
    assert server.paths == ["/v1/bookings"]  # trusted through ca_file, pin matched
    assert code == ExitCode.OK  # the server refused the write for good: nothing pending


@pytest.mark.parametrize("command", [
    ["sync", "--until-empty", "--timeout", "1"],
    ["simulate", "--sessions", "1", "--jsonl", "{out}"],
])
def test_a_plain_http_platform_flag_is_a_usage_error(tmp_path: Path, command: list[str],
                                                     capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    args = [a.format(out=tmp_path / "out.jsonl") for a in command]
    code = main([*args, "--db", str(tmp_path / "k.db"), "--platform",
                 "http://platform.example", "--token", "t"])
    assert code == ExitCode.USAGE
    assert "https://" in capsys.readouterr().err
