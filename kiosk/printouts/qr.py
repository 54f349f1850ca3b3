"""QR codes on paper: always a full QR code (never Micro QR), drawn as vector modules."""

from __future__ import annotations

from collections.abc import Iterator

import segno
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfgen.canvas import Canvas

#: The least error correction a printed code gets (M: about 15 % of the code may be smudged or
#: folded away). segno raises it to Q or H when the same version has room for it.
ERROR = "m"
#: Light modules around the code that scanners need to find it (ISO/IEC 18004: 4).
QUIET_ZONE = 4

_INK = HexColor("#1a1a1a")


def make_qr(data: str) -> segno.QRCode:
    """The full QR code a slip prints for `data`.

    segno.make would pick a Micro QR code (one finder square) for a short reference: OpenCV,
    the halls' queue scanners and most phones read only full QR codes.
    """
    return segno.make_qr(data, error=ERROR)


def module_size(qr: segno.QRCode, size: float) -> float:
    """The side of one module (PDF points) when `qr` and its quiet zone fill `size`."""
    side = qr.symbol_size(border=QUIET_ZONE)[0]
    return size / side


def draw_qr(c: Canvas, qr: segno.QRCode, x: float, y: float, size: float,
            ink: Color = _INK) -> None:
    """Draw `qr` as vector rectangles in the square at (x, y) (bottom left), quiet zone
    included, on white: a scanner needs the contrast even on tinted paper."""
    module = module_size(qr, size)
    c.setFillColor(white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(ink)
    for row_index, row in enumerate(qr.matrix):
        top = y + size - (row_index + QUIET_ZONE + 1) * module
        for start, length in _runs([bool(v) for v in row]):
            # Slight overlap hides hairline gaps between adjacent rectangles in some viewers.
            c.rect(x + (start + QUIET_ZONE) * module, top, length * module + 0.05,
                   module + 0.05, stroke=0, fill=1)


def _runs(row: list[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row: one rectangle per run."""
    start = None
    for i, dark in enumerate(row + [False]):
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            yield start, i - start
            start = None
