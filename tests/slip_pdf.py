"""Reading a printed slip as a resident's scanner and eyes would: poppler's text and word
boxes, and the QR code decoded by OpenCV from the page rendered at a given resolution."""

from __future__ import annotations

import html
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

#: Resolutions a slip's code must be read at: a coarse fax-like scan, a phone photo of the
#: paper, a hall scanner.
SCAN_DPI = (80, 200, 300)

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                   r"(.*?)</word>")


@dataclass(frozen=True)
class Word:
    """A word as pdftotext -bbox sees it; y grows downwards from the top of the page (pt)."""

    text: str
    x_min: float
    y_min: float
    x_max: float
    y_max: float

    @property
    def height(self) -> float:
        return self.y_max - self.y_min

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.x_min, self.y_min, self.x_max, self.y_max


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True,
                          text=True, check=True, timeout=30).stdout


def pdf_words(pdf: Path) -> list[Word]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-bbox", str(pdf), "-"],
                         capture_output=True, text=True, check=True, timeout=30).stdout
    return [Word(html.unescape(m[5]), float(m[1]), float(m[2]), float(m[3]), float(m[4]))
            for m in _WORD.finditer(out)]


def word_height(words: list[Word], part: str) -> float:
    """The height of the tallest word holding `part` (a font size, in effect)."""
    found = [w.height for w in words if part in w.text]
    assert found, f"{part!r} not among the words {[w.text for w in words]}"
    return max(found)


def render_page(pdf: Path, dpi: int) -> np.ndarray:
    """The first page as grey pixels at `dpi`, as poppler (and a scanner) sees the paper."""
    with tempfile.TemporaryDirectory() as tmp:
        stem = Path(tmp) / "page"
        subprocess.run(["pdftoppm", "-gray", "-png", "-r", str(dpi), "-f", "1", "-l", "1",
                        "-singlefile", str(pdf), str(stem)], check=True, timeout=60)
        page = cv2.imread(str(stem.with_suffix(".png")), cv2.IMREAD_GRAYSCALE)
    assert page is not None, f"pdftoppm rendered nothing for {pdf}"
    return page


def scan_qr(pdf: Path, dpi: int) -> str:
    """Decode the page rendered at `dpi` with a plain cv2.QRCodeDetector: no second looks, no
    cropping; '' when nothing is read."""
    text, _points, _straight = cv2.QRCodeDetector().detectAndDecode(render_page(pdf, dpi))
    return str(text)


def qr_box(pdf: Path, dpi: int = 200) -> tuple[float, float, float, float]:
    """Where OpenCV finds the code: x_min, y_min, x_max, y_max in points from the top left."""
    ok, points = cv2.QRCodeDetector().detect(render_page(pdf, dpi))
    assert ok, f"no QR code found in {pdf}"
    xs, ys = points[0][:, 0] * 72 / dpi, points[0][:, 1] * 72 / dpi
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def cut_line(pdf: Path, margin: float = 42.0) -> float:
    """How far down the page (pt) the slip's cut line runs: the only ink left of the margin."""
    dpi = 144
    page = render_page(pdf, dpi)
    scale = dpi / 72
    strip = page[:, int(margin / 2 * scale) + 1:int((margin - 2) * scale)]
    rows = np.flatnonzero(strip.min(axis=1) < 200)
    assert rows.size, f"no cut line in {pdf}"
    return float(rows.mean() / scale)
