"""Lint and types: ruff on the whole tree and mypy --strict on the packages that pyproject.toml
names ([tool.ruff], [tool.mypy]); every `type: ignore` names its error code and says why."""

from __future__ import annotations

import re
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # ruff and mypy are installed with the test extra

# A type-ignore comment: its codes in brackets, then what is left of the comment.
_IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)")
# Not the project's sources: the venv, caches, build output, and what .gitignore keeps out.
_SKIP_DIRS = {"build", "tmp", "out", "__pycache__"}


def _run(tool: str, *args: str) -> subprocess.CompletedProcess[str]:
    exe = BIN / tool
    assert exe.exists(), f"{exe} missing: `make test` installs it with .[test]"
    return subprocess.run([str(exe), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def test_ruff_finds_nothing() -> None:
    proc = _run("ruff", "check", "--output-format", "concise", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_strict_finds_nothing() -> None:
    proc = _run("mypy")  # files, strictness and overrides from [tool.mypy]
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _sources() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts[:-1]
        if any(p.startswith(".") or p in _SKIP_DIRS or p.endswith(".egg-info") for p in parts):
            continue
        yield path


def _unexplained_ignores(path: Path) -> Iterator[str]:
    with tokenize.open(path) as fh:
        for tok in tokenize.generate_tokens(fh.readline):
            if tok.type != tokenize.COMMENT:
                continue
            m = _IGNORE.search(tok.string)
            if m is None:
                continue
            reason = m["rest"].strip().lstrip("#").strip()
            if not m["codes"] or not reason:
                yield f"{path.relative_to(ROOT)}:{tok.start[0]}: {tok.line.strip()}"


def test_every_type_ignore_names_its_code_and_a_reason() -> None:
    """`# type: ignore[code]  # why`, on the line itself, so a reader needs no history."""
    bad = [line for path in _sources() for line in _unexplained_ignores(path)]
    assert not bad, "type: ignore without [code] and a reason after it:\n" + "\n".join(bad)
