"""Mixed Chinese/Latin text on a PDF canvas: Latin in Helvetica, CJK in the embedded font."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from reportlab.lib.colors import Color, HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

# Latin text is set in Helvetica and only CJK in the embedded font. When CUPS turns the PDF
# into PostScript (pdftocairo), a CJK font that also holds Latin glyphs is split into two
# subsets with the same name, and ghostscript then rasterises some of them: the printed text
# layer (and pdftotext, which the tests use) would lose characters such as the * of 张*华.
LATIN = "Helvetica"
LATIN_BOLD = "Helvetica-Bold"

INK = HexColor("#1a1a1a")


def register_cjk(font_path: str) -> str:
    """Register the CJK font once per path; its ReportLab name."""
    name = "KioskSlipCJK-" + hashlib.sha1(font_path.encode()).hexdigest()[:8]
    if name not in pdfmetrics.getRegisteredFontNames():
        # asciiReadable=False numbers the subset's glyphs from 0 with a plain ToUnicode map,
        # which ghostscript (cups-pdf, printer drivers) keeps as text.
        pdfmetrics.registerFont(TTFont(name, font_path, subfontIndex=0, asciiReadable=False))
    return name


def _is_latin(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


class PdfText:
    """Draws mixed Chinese/Latin strings run by run (see LATIN above)."""

    def __init__(self, canvas: Canvas, cjk: str) -> None:
        self.canvas = canvas
        self.cjk = cjk

    def _pieces(self, text: str, bold: bool) -> Iterator[tuple[str, str, bool]]:
        buf, latin = "", None
        for ch in text:
            is_latin = _is_latin(ch)
            if buf and is_latin != latin:
                yield self._font(latin, bold), buf, bool(latin)
                buf = ""
            buf, latin = buf + ch, is_latin
        if buf:
            yield self._font(latin, bold), buf, bool(latin)

    def _font(self, latin: bool | None, bold: bool) -> str:
        if latin:
            return LATIN_BOLD if bold else LATIN
        return self.cjk

    def width(self, text: str, size: float, bold: bool = False) -> float:
        pieces = self._pieces(text, bold)
        return sum(float(pdfmetrics.stringWidth(s, f, size)) for f, s, _ in pieces)

    def draw(self, x: float, y: float, text: str, size: float, *, bold: bool = False,
             color: Color = INK) -> float:
        """Draw `text` with its baseline at y; returns the x where it ends."""
        c = self.canvas
        c.setFillColor(color)
        for font, piece, latin in self._pieces(text, bold):
            c.setFont(font, size)
            # The CJK font has no bold face: fill and stroke thinly to embolden it.
            if bold and not latin:
                # The render mode is graphics state: keep it from leaking into later text.
                c.saveState()
                c.setStrokeColor(color)
                c.setLineWidth(size / 30)
                text_obj = c.beginText(x, y)
                text_obj.setTextRenderMode(2)
                text_obj.textOut(piece)
                c.drawText(text_obj)
                c.restoreState()
            else:
                c.drawString(x, y, piece)
            x += pdfmetrics.stringWidth(piece, font, size)
        return x

    def draw_centered(self, cx: float, y: float, text: str, size: float, *, bold: bool = False,
                      color: Color = INK) -> None:
        self.draw(cx - self.width(text, size, bold) / 2, y, text, size, bold=bold, color=color)

    def wrap(self, text: str, size: float, width: float, bold: bool = False) -> list[str]:
        """Break `text` into lines no wider than `width`, between any two characters (Chinese
        has no spaces to break at)."""
        lines, line = [], ""
        for ch in text:
            if line and self.width(line + ch, size, bold) > width:
                lines.append(line)
                line = ""
            line += ch
        return lines + ([line] if line else [])
