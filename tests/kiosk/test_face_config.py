"""Config keys of the face check: defaults, limits, and the staff PIN kept only as a hash."""

from __future__ import annotations

import hashlib

import pytest

from kiosk.config import ConfigError, parse_config

BASE = {"platform": {"url": "http://127.0.0.1:1", "token": "t"},
        "devices": {"printer": {"backend": "simulated", "out_dir": "/tmp"}}}


def test_defaults() -> None:
    cfg = parse_config(BASE)
    assert cfg.face_check.enabled and cfg.face_check.backend == "platform"
    assert cfg.face_check.max_attempts == 3 and cfg.face_check.staff_pin_tries == 3
    assert cfg.terminal.staff_pin_sha256 is None


def test_staff_pin_hash_is_accepted_and_normalised() -> None:
    digest = hashlib.sha256(b"246810").hexdigest().upper()
    cfg = parse_config({**BASE, "terminal": {"staff_pin_sha256": digest}})
    assert cfg.terminal.staff_pin_sha256 == digest.lower()


@pytest.mark.parametrize("section, key, value", [
    ("terminal", "staff_pin_sha256", "246810"),  # the PIN itself, not its hash
    ("face_check", "max_attempts", 0),
    ("face_check", "max_attempts", 50),
    ("face_check", "backend", "cloud"),
    ("face_check", "staff_pin_tries", 0),
    ("face_check", "retries", 3),
])
def test_bad_values_name_the_key(section: str, key: str, value: object) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({**BASE, section: {key: value}})
    assert f"{section}.{key}" in str(err.value)
    assert "246810" not in str(err.value)  # a PIN typed in by mistake is not echoed
