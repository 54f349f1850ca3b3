"""Config validation: a wrong or missing value stops start-up with a message naming it."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config, loads_config, parse_config

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
    ({"platform": {"url": "https://x", "token": ""}}, "platform.token"),
    ({"platform": {"url": "https://x", "token": "t"}}, "devices.printer.queue"),
    ({"platform": {"url": "https://x", "token": "t"},
      "devices": {"printer": {"backend": "simulated"}}}, "devices.printer.out_dir"),
    ({"platform": {"url": "https://x", "token": "t"},
      "devices": {"printer": {"backend": "laser", "queue": "q"}}}, "devices.printer.backend"),
    ({"platform": {"url": "https://x", "token": "t"}, "ui": {"orientaton": "portrait"}},
     "ui.orientaton"),
    ({"platform": {"url": "https://x", "token": "t"}, "timeouts": {"warning": 5}},
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


_OK = {"platform": {"url": "https://x", "token": "t"},
       "devices": {"printer": {"backend": "cups", "queue": "q"}}}


def _with(section: str, key: str, value: object) -> dict:
    raw = {name: dict(body) for name, body in _OK.items()}
    if "." in section:
        top, sub = section.split(".")
        raw[top] = {**raw[top], sub: {**raw[top].get(sub, {}), key: value}}
    else:
        raw[section] = {**raw.get(section, {}), key: value}
    return raw


@pytest.mark.parametrize("section, key, value", [
    ("platform", "timeout", float("inf")),
    ("platform", "timeout", float("nan")),
    ("platform", "timeout", -1.0),
    ("platform", "timeout", 1e9),
    ("devices.printer", "timeout", float("inf")),
    ("devices.printer", "timeout", -5.0),
    ("devices.printer", "timeout", 1e9),
    ("timeouts", "idle", float("inf")),
    ("timeouts", "idle", 1e9),
    ("timeouts", "warning", float("inf")),
    ("timeouts", "device", float("inf")),
    ("timeouts", "device", -1.0),
    ("timeouts", "device", 1e9),
    ("face_check", "staff_pin_window_minutes", float("nan")),
    ("ui", "scale", float("nan")),
    ("platform", "token", "   "),
    ("platform", "url", "http://"),
    ("platform", "url", "https:///path"),
    ("platform", "url", "http://:8080"),
])
def test_absurd_values_are_refused_naming_the_key(section: str, key: str,
                                                  value: object) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(_with(section, key, value))
    assert f"{section}.{key}" in str(err.value)


def test_sane_values_still_pass() -> None:
    cfg = parse_config(_with("platform", "url", "http://127.0.0.1:8000/"))
    assert cfg.platform.url == "http://127.0.0.1:8000"
    assert parse_config(_with("platform", "token", " t\n")).platform.token == "t"


def test_deeply_nested_toml_is_a_usage_error(tmp_path: Path) -> None:
    # tomllib recurses once per nesting level: 500 levels of inline tables or arrays end in a
    # RecursionError, which check-config turned into exit 1 (a bug) instead of 2 (bad config).
    for name, text in (("tables.toml", "x = " + "{a = " * 500 + "1" + "}" * 500 + "\n"),
                       ("arrays.toml", "x = " + "[" * 500 + "]" * 500 + "\n")):
        f = tmp_path / name
        f.write_text(GOOD + text, encoding="utf-8")
        with pytest.raises(ConfigError, match="nested"):
            load_config(f)
        proc = subprocess.run([sys.executable, "-m", "kiosk", "check-config", "--config",
                               str(f)], capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr


class _Finalized:
    """Garbage in a cycle whose finalizer needs some stack, as a long-lived process has."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _deep(60)


def _deep(n: int) -> int:
    return 0 if n == 0 else 1 + _deep(n - 1)


def test_no_finalizer_runs_deep_inside_the_toml_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    # A collection that started while tomllib was ~1,000 frames deep ran other objects'
    # finalizers there, which hit the recursion limit: an unraisable RecursionError (it failed
    # test_deeply_nested_toml_is_a_usage_error once in make test).
    seen: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(repr(u.exc_value)))
    text = GOOD + "x = " + "[" * 500 + "]" * 500 + "\n"
    for _ in range(10):
        for _ in range(3000):
            _Finalized()
        with pytest.raises(ConfigError, match="nested"):
            loads_config(text)
    gc.collect()
    assert seen == []
