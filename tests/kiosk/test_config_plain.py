"""A config of plain values is read without pydantic (issue 11: a third of the cold start), and
reads exactly as pydantic reads it: same values, same coercions, same error messages."""

from __future__ import annotations

import datetime
import math
import random
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fuzzing.platform import gen_config
from fuzzing.source import RandomSource
from kiosk.config import ConfigError, KioskConfig, cross_checked, parse_config, parse_with_pydantic
from kiosk.config_keys import Section

ROOT = Path(__file__).resolve().parents[2]

#: Every section, every key that needs no file or certificate, with plain values.
FULL = """
[platform]
url = "https://platform.example/"
token = "t0k3n"
timeout = 12
pin_sha256 = []

[terminal]
name = "江汉市 1号机"
id = "T-0042"
staff_pin_sha256 = "%s"
staffed_hall = "H1"

[devices.idcard]
backend = "ga467"
port = "/dev/ttyUSB0"
baudrate = 9600

[devices.sscard]
backend = "pcsc"
reader = "ACS"

[devices.printer]
backend = "cups"
queue = "slips"
timeout = 30.5

[devices.camera]
backend = "simulated"
image_files = ["a.jpg", "b.jpg"]

[outbox]
db = "/tmp/outbox.db"

[ui]
orientation = "landscape"
fullscreen = false
scale = 0.5
elderly_mode = true

[timeouts]
idle = 120
warning = 20

[face_check]
backend = "auto"
max_attempts = 5
staff_pin_window_minutes = 30.0
""" % ("AB" * 32)

#: Values of every kind TOML has, and those pydantic coerces ("10", 1 for true, 3.0 for 3).
VALUES: tuple[Any, ...] = (
    True, False, 0, 1, 3, -1, 30, 1.0, 1.5, 0.5, 2.0, 1e9, 2 ** 53 + 1, 10 ** 400, math.inf,
    math.nan, "", " ", "x", "1", "10", " 2 ", "1.5", "inf", "true", "simulated", "cups",
    "portrait", "https://x", "http://127.0.0.1", "ab" * 32, [], ["a"], [1], {}, {"a": 1},
    datetime.date(2026, 12, 2), datetime.time(9, 0))
_BASE: dict[str, Any] = {"platform": {"url": "https://x", "token": "t"},
         "devices": {"printer": {"backend": "cups", "queue": "q"}}}


def outcome(parse: Any, raw: dict[str, Any]) -> tuple[str, Any]:
    try:
        config = parse(raw, source="kiosk.toml")
    except ConfigError as exc:
        return "error", str(exc)
    # repr: True == 1 and 1 == 1.0, but a bool where pydantic makes an int is a difference.
    return "ok", repr(as_dict(config))


def as_dict(value: Any) -> Any:
    if isinstance(value, Section):
        return {name: as_dict(v) for name, v in vars(value).items()}
    return value


def reference(raw: dict[str, Any], source: str) -> KioskConfig:
    return cross_checked(parse_with_pydantic(raw, source), source)


def every_key_with_every_value() -> Iterator[dict[str, Any]]:
    sections: list[tuple[tuple[str, ...], type[Section]]] = []

    def walk(path: tuple[str, ...], section: type[Section]) -> None:
        for name, declared in section.keys().items():
            nested = [t for t in getattr(declared.annotation, "__args__", ())
                      + (declared.annotation,) if isinstance(t, type) and issubclass(t, Section)]
            if nested:
                walk((*path, name), nested[0])
        sections.append((path, section))
    walk((), KioskConfig)
    for path, section in sections:
        for name in section.keys():
            for value in VALUES:
                raw = {"platform": dict(_BASE["platform"]),
                       "devices": {"printer": dict(_BASE["devices"]["printer"])}}
                table = raw
                for part in path:
                    table = table.setdefault(part, {})
                table[name] = value
                yield raw


def test_a_config_of_plain_values_is_read_without_pydantic() -> None:
    probe = ("import sys\nfrom kiosk.config import loads_config\n"
             f"config = loads_config({FULL!r})\n"
             "assert config.ui.orientation == 'landscape' and config.devices.sscard.reader\n"
             "print(sorted(m for m in ('pydantic', 'services.schemas') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_the_full_config_reads_as_pydantic_reads_it() -> None:
    raw = tomllib.loads(FULL)
    assert outcome(parse_config, raw) == outcome(reference, raw)
    assert parse_config(raw).terminal.staff_pin_sha256 == "ab" * 32  # the checks ran


def test_every_key_with_every_kind_of_value_reads_as_pydantic_reads_it() -> None:
    differ = [(raw, mine, ref) for raw in every_key_with_every_value()
              if (mine := outcome(parse_config, raw)) != (ref := outcome(reference, raw))]
    assert not differ, differ[:3]


def test_fuzzed_config_files_read_as_pydantic_reads_them() -> None:
    differ = []
    for seed in range(400):
        try:
            raw = tomllib.loads(gen_config(RandomSource(random.Random(seed))).text)
        except (tomllib.TOMLDecodeError, RecursionError):
            continue
        if (mine := outcome(parse_config, raw)) != (ref := outcome(reference, raw)):
            differ.append((raw, mine, ref))
    assert not differ, differ[:3]


def test_coerced_values_come_out_as_pydantic_makes_them() -> None:
    raw = {**_BASE, "platform": {"url": "https://x/", "token": " t ", "timeout": "10"},
           "ui": {"fullscreen": "no", "scale": 1}, "face_check": {"max_attempts": 4.0}}
    config = parse_config(raw)
    platform = config.platform
    assert (platform.timeout, platform.url, platform.token) == (10.0, "https://x", "t")
    assert config.ui.fullscreen is False and config.face_check.max_attempts == 4
    assert type(config.ui.scale) is float and type(config.face_check.max_attempts) is int
