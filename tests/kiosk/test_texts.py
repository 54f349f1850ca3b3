"""The one table of resident-facing texts (kiosk/texts.py) and the rule that keeps it the only one.

Every key the code names exists, every template formats with the fields its call sites give,
and the flows, the screens' Python and the dev panel hold no Chinese of their own: a new
message goes into the table, not into code (.kv layouts and the paper slip keep their own).
"""

from __future__ import annotations

import ast
import re
import string
from datetime import date, timedelta
from pathlib import Path

import pytest

from kiosk.texts import TEXTS, UnknownText, text, weekday

ROOT = Path(__file__).resolve().parents[2]
KIOSK = ROOT / "kiosk"
FLOWS = KIOSK / "flows"
SCREENS = KIOSK / "screens"
DEV_PANEL = KIOSK / "devtools" / "dev_panel.py"
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
#: text("key" / text('key' anywhere in kiosk/: the keys the code names literally.
KEY_USE = re.compile(r"""\btext\(\s*(["'])([^"'\s]+)\1""")
#: text(f"face.{reason}"): a key made at run time; its fixed start must name some keys.
PREFIX_USE = re.compile(r"""\btext\(\s*f(["'])([a-z0-9_.\-]+)\{""")


def _sources(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


class _Anything:
    """Stands for any parameter: formats with any spec (dates take "%m月%d日")."""

    def __format__(self, spec: str) -> str:
        return "x"


def test_every_key_the_code_names_is_in_the_table() -> None:
    missing = []
    for path in _sources(KIOSK):
        source = path.read_text(encoding="utf-8")
        for match in KEY_USE.finditer(source):
            if match.group(2) not in TEXTS:
                missing.append(f"{path.relative_to(ROOT)}: {match.group(2)}")
        for match in PREFIX_USE.finditer(source):
            if not any(key.startswith(match.group(2)) for key in TEXTS):
                missing.append(f"{path.relative_to(ROOT)}: {match.group(2)}…")
    assert not missing, missing


def test_every_template_formats_with_its_fields() -> None:
    for key, template in TEXTS.items():
        fields = _fields(template)
        assert all(f.isidentifier() for f in fields), (key, fields)  # no {0}, {a.b}, {a[0]}
        formatted = template.format(**{f: _Anything() for f in fields})
        assert "{" not in formatted and "}" not in formatted, key


def test_keys_are_dotted_by_area() -> None:
    for key in TEXTS:
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9_\-]+)+", key), key


def _text_calls(tree: ast.AST) -> list[ast.Call]:
    """Calls of `text(...)` or `texts.text(...)`."""
    calls = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "text") or (
                isinstance(func, ast.Attribute) and func.attr == "text"
                and isinstance(func.value, ast.Name) and func.value.id == "texts"):
            calls.append(node)
    return calls


def test_call_sites_fill_exactly_the_placeholders() -> None:
    """Where the key and the parameters are visible in the source, they must match: a missing
    one raises at run time in front of the resident, an extra one is a typo."""
    wrong = []
    for path in _sources(KIOSK):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for call in _text_calls(tree):
            if not call.args or not isinstance(call.args[0], ast.Constant) \
                    or not isinstance(call.args[0].value, str):
                continue
            if any(k.arg is None for k in call.keywords):
                continue  # text(key, **params): not statically visible
            key = call.args[0].value
            given = {k.arg for k in call.keywords if k.arg is not None}
            if key in TEXTS and given != _fields(TEXTS[key]):
                wrong.append(f"{path.relative_to(ROOT)}:{call.lineno} {key}: gives "
                             f"{sorted(given)}, needs {sorted(_fields(TEXTS[key]))}")
    assert not wrong, wrong


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def _guarded() -> list[Path]:
    """The code that must speak through the table: flows, screens (their .py, not their .kv
    layouts) and the dev panel. kiosk/printouts stays out: it is the paper's layout."""
    return [*_sources(FLOWS), *_sources(SCREENS), DEV_PANEL]


def test_the_guard_covers_the_screens_and_the_dev_panel() -> None:
    guarded = _guarded()
    assert DEV_PANEL.is_file()
    for name in ("home.py", "attract.py", "identify/identify.py", "identify/face.py",
                 "booking/item.py", "booking/slot.py", "booking/confirm.py", "booking/done.py"):
        assert SCREENS / name in guarded, name


def test_no_chinese_in_code_outside_the_table() -> None:
    """Resident-facing words live in kiosk/texts.py only; docstrings and comments may say
    what a step is called in Chinese (comments are not in the AST)."""
    found = []
    for path in _guarded():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        docs = _docstrings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in docs and CJK.search(node.value):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}")
    assert not found, found


def test_the_guard_sees_chinese_in_code_but_not_in_docstrings() -> None:
    tree = ast.parse('"""说明"""\ndef f():\n    """步骤"""\n    return "请稍候"\n')
    docs = _docstrings(tree)
    seen = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and id(n) not in docs and CJK.search(n.value)]
    assert seen == ["请稍候"]


def test_every_reason_a_device_gives_has_words() -> None:
    """Printer reasons and face-quality reasons reach the resident through the table."""
    from devices.camera.face import MESSAGES as QUALITY_MESSAGES
    for reason in QUALITY_MESSAGES:
        assert f"face.quality.{reason}" in TEXTS, reason
    from kiosk.flows.booking.slip_printing import REASONS
    for reason in REASONS:
        assert f"print.reason.{reason}" in TEXTS, reason


def test_text_fills_parameters_and_refuses_unknown_keys() -> None:
    assert text("face.attempt", used=1, total=3) == "第 1 次，共 3 次"
    with pytest.raises(UnknownText):
        text("no.such.key")


def test_weekday_names_every_day_once() -> None:
    monday = date(2025, 1, 6)
    names = [weekday(monday + timedelta(days=i)) for i in range(7)]
    assert names == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
