"""README's configuration reference names every key of KioskConfig with its real default
(read from the pydantic model built from its declarations, nested sections and all)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from kiosk.config import KioskConfig
from kiosk.config_keys import pydantic_model

ROOT = Path(__file__).resolve().parents[1]
MODEL = pydantic_model(KioskConfig)
SECTION = re.compile(r"^#?\s*\[([a-z_.]+)\]")
KEY = re.compile(r"^#?\s*([a-z0-9_]+)\s*=\s*(.+?)\s*(?:#.*)?$")


def reference() -> dict[str, dict[str, Any]]:
    """section -> key -> the value the README shows (None when it is only an example)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## Configuration reference", 1)[1].split("```toml", 1)[1]
    block = block.split("```", 1)[0]
    found: dict[str, dict[str, Any]] = {}
    section = ""
    for line in block.splitlines():
        if m := SECTION.match(line):
            section = m.group(1)
            found.setdefault(section, {})
        elif m := KEY.match(line):
            try:
                value = tomllib.loads(f"v = {m.group(2)}")["v"]
            except tomllib.TOMLDecodeError:
                value = None  # "…" placeholders and the like
            found.setdefault(section, {})[m.group(1)] = value
    return found


def model_keys(model: type[BaseModel], prefix: str = "") -> dict[str, dict[str, Any]]:
    """section -> key -> default, for the config model and its nested sections."""
    out: dict[str, dict[str, Any]] = {}
    for name, field in model.model_fields.items():
        annotation = field.annotation
        nested = [a for a in (getattr(annotation, "__args__", None) or (annotation,))
                  if isinstance(a, type) and issubclass(a, BaseModel)]
        if nested:
            out.update(model_keys(nested[0], f"{prefix}{name}."))
        else:
            out.setdefault(prefix.rstrip("."), {})[name] = field.default
    return out


def test_every_key_is_in_the_reference() -> None:
    shown = reference()
    # The reference says the optional second reader takes the same keys as the first.
    shown["devices.sscard"] = shown["devices.idcard"]
    missing = [f"{section}.{key}" for section, keys in model_keys(MODEL).items()
               for key in keys if key not in shown.get(section, {})]
    assert not missing, f"README's configuration reference lacks {missing}"


def test_numbers_and_switches_in_the_reference_are_the_defaults() -> None:
    shown = reference()
    wrong = []
    for section, keys in model_keys(MODEL).items():
        for key, default in keys.items():
            value = shown.get(section, {}).get(key)
            if isinstance(value, bool | int | float) and value != default:
                wrong.append(f"{section}.{key}: README {value!r}, default {default!r}")
    assert not wrong, wrong


def test_every_link_of_the_readme_is_inside_the_repo() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    broken = []
    for target in re.findall(r"\]\(([^)#\s]+)", text):
        if re.match(r"[a-z]+://", target):
            continue
        path = (ROOT / target).resolve()
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(target)
    assert not broken, broken
