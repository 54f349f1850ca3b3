"""Finds a CJK font through fontconfig; the same file serves Kivy and the printed PDFs."""

from __future__ import annotations

import os
import shutil
import subprocess

# TrueType-outline CJK fonts first: ReportLab (PDF slips) cannot embed CFF-outline fonts such
# as Noto Sans CJK, while Kivy's SDL_ttf renders both.
_PREFERRED = ("wqy-microhei", "wqy-zenhei", "DroidSansFallback", "NotoSansCJK", "NotoSerifCJK")


class FontNotFound(RuntimeError):
    """No usable CJK font: Chinese text would render as boxes."""


def find_cjk_font(override: str | None = None) -> str:
    """Return the path of a CJK font file; `override` (from config) wins when it exists."""
    if override:
        if os.path.isfile(override):
            return override
        raise FontNotFound(f"font file from config does not exist: {override}")
    candidates = _fontconfig_files()
    for stem in _PREFERRED:
        for path in candidates:
            if stem.lower() in os.path.basename(path).lower():
                return path
    if candidates:
        return candidates[0]
    raise FontNotFound(
        "no CJK font found through fontconfig; install fonts-wqy-microhei "
        "or set [ui] font in the config")


def _fontconfig_files() -> list[str]:
    if shutil.which("fc-list") is None:
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "file"], capture_output=True, text=True,
                         timeout=20, check=False).stdout
    files = sorted({line.split(":", 1)[0].strip() for line in out.splitlines() if line.strip()})
    return [f for f in files if f.lower().endswith((".ttf", ".ttc", ".otf"))]


def is_truetype_outline(path: str) -> bool:
    """True for fonts ReportLab can embed (glyf outlines, not CFF)."""
    return "noto" not in os.path.basename(path).lower() and not path.lower().endswith(".otf")
