"""The README's module map matches the tree: every kiosk/ module and top-level package named."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout", 1)[1]
    return section.split("```", 2)[1]


def test_every_module_under_kiosk_is_in_the_map() -> None:
    block = _layout_block()
    named = set(re.findall(r"[\w]+(?:\.py|/)", block))
    for child in sorted((ROOT / "kiosk").iterdir()):
        if child.name.startswith("__") or child.suffix not in (".py", ""):
            continue
        if child.is_dir() and not (child / "__init__.py").exists():
            continue
        key = child.name + ("/" if child.is_dir() else "")
        assert key in named, f"README layout does not name kiosk/{key}"


def test_every_top_level_package_is_in_the_map_and_exists() -> None:
    block = _layout_block()
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    top = set(re.findall(r"^(\w+)/", block, flags=re.M))
    assert packages <= top, packages - top
    for name in top:
        assert (ROOT / name).is_dir(), f"README layout names {name}/, which is not in the tree"
