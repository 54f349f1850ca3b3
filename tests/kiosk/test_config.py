"""Config validation: a wrong or missing value stops start-up with a message naming it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config, parse_config

GOOD = """
[platform]
url = "https://platform.example/"
token = "t0k3n"

[devices.printer]
backend = "cups"
queue = "slips"
"""


def test_good_config_has_defaults(tmp_path: Path) -> None:
    f = tmp_path / "kiosk.toml"
    f.write_text(GOOD, encoding="utf-8")
    cfg = load_config(f)
    assert cfg.platform.url == "https://platform.example"
    assert cfg.ui.orientation == "portrait" and cfg.timeouts.warning >= 20


@pytest.mark.parametrize("raw, key", [
    ({}, "platform"),
    ({"platform": {"url": "ftp://x", "token": "t"}}, "platform.url"),
    ({"platform": {"url": "http://x", "token": ""}}, "platform.token"),
    ({"platform": {"url": "http://x", "token": "t"}}, "devices.printer.queue"),
    ({"platform": {"url": "http://x", "token": "t"},
      "devices": {"printer": {"backend": "simulated"}}}, "devices.printer.out_dir"),
    ({"platform": {"url": "http://x", "token": "t"},
      "devices": {"printer": {"backend": "laser", "queue": "q"}}}, "devices.printer.backend"),
    ({"platform": {"url": "http://x", "token": "t"}, "ui": {"orientaton": "portrait"}},
     "ui.orientaton"),
    ({"platform": {"url": "http://x", "token": "t"}, "timeouts": {"warning": 5}},
     "timeouts.warning"),
])
def test_bad_config_names_the_key(raw: dict, key: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(raw)
    assert key in str(err.value)


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[platform\nurl=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_kiosk_run_refuses_bad_config_naming_the_key(tmp_path: Path) -> None:
    f = tmp_path / "kiosk.toml"
    f.write_text(GOOD.replace('queue = "slips"', 'queue = "slips"\nspeed = 3'), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(f)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "devices.printer.speed" in proc.stderr


def test_missing_font_override_stops_startup(tmp_path: Path) -> None:
    f = tmp_path / "kiosk.toml"
    f.write_text(GOOD + '\n[ui]\nfont = "/nonexistent/font.ttf"\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "kiosk", "run", "--config", str(f)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "ui.font" in proc.stderr
