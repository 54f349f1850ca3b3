"""Finds a CJK font through fontconfig; the same file serves Kivy and the printed PDFs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable

# TrueType-outline CJK fonts first: ReportLab (PDF slips) cannot embed CFF-outline fonts such
# as Noto Sans CJK, while Kivy's SDL_ttf renders both.
_PREFERRED = ("wqy-microhei", "wqy-zenhei", "DroidSansFallback", "NotoSansCJK", "NotoSerifCJK")


class FontNotFound(RuntimeError):
    """No usable CJK font: Chinese text would render as boxes."""


def find_cjk_font(override: str | None = None) -> str:
    """Return the path of a CJK font file; `override` (from config) wins when it exists."""
    return start_font_search(override)()


def start_font_search(override: str | None = None) -> Callable[[], str]:
    """Start looking for the CJK font and return what waits for it (FontNotFound then).

    fc-list runs as a child process while the caller goes on (the kiosk imports Kivy
    meanwhile, issue 11); a missing `override` is refused here, before anything else.
    """
    if override:
        if os.path.isfile(override):
            return lambda: override
        raise FontNotFound(f"font file from config does not exist: {override}")
    if shutil.which("fc-list") is None:
        return lambda: _pick([])
    proc = subprocess.Popen(["fc-list", ":lang=zh", "file"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)

    def wait() -> str:
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise FontNotFound("fontconfig (fc-list) did not answer within 20 s; set [ui] font "
                               "in the config") from None
        return _pick(_font_files(out))
    return wait


def _pick(candidates: list[str]) -> str:
    for stem in _PREFERRED:
        for path in candidates:
            if stem.lower() in os.path.basename(path).lower():
                return path
    if candidates:
        return candidates[0]
    raise FontNotFound(
        "no CJK font found through fontconfig; install fonts-wqy-microhei "
        "or set [ui] font in the config")


def _font_files(fc_list_output: str) -> list[str]:
    files = sorted({line.split(":", 1)[0].strip() for line in fc_list_output.splitlines()
                    if line.strip()})
    return [f for f in files if f.lower().endswith((".ttf", ".ttc", ".otf"))]


def is_truetype_outline(path: str) -> bool:
    """True for fonts ReportLab can embed (glyf outlines, not CFF)."""
    return "noto" not in os.path.basename(path).lower() and not path.lower().endswith(".otf")
