"""Document capture: the page is found in a perspective frame, straightened, saved as JPEG and
PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import cv2
import numpy as np
import pytest

import media
from devices.camera.document import (A4_RATIO, NoDocument, capture_page, find_page, save_jpeg,
                                     save_pdf)
from devices.camera.opencv import OpenCVCamera


def _doc_frame_from_video(tmp_path: Path) -> np.ndarray:
    video = media.write_video(tmp_path / "doc.avi", [media.document_frame()] * 2)
    with OpenCVCamera(str(video)) as cam:
        return cam.read()


def test_finds_the_corners_of_the_page(tmp_path: Path) -> None:
    corners = find_page(_doc_frame_from_video(tmp_path))
    assert np.abs(corners - media.PAGE_CORNERS).max() < 6


def test_straightened_page_keeps_its_shape_and_content(tmp_path: Path) -> None:
    frame = _doc_frame_from_video(tmp_path)
    measured = capture_page(frame, width=420).image  # seen at an angle: the ratio is squashed
    assert measured.shape[1] == 420 and 0.7 < measured.shape[0] / 420 < 1.3
    page = capture_page(frame, width=420, aspect=A4_RATIO)
    h, w = page.image.shape[:2]
    assert w == 420 and h == 594
    grey = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY)
    # The black mark of the original's bottom-right corner is there, the top-left is paper.
    assert grey[int(h * 0.88):int(h * 0.92), int(w * 0.82):int(w * 0.88)].mean() < 80
    assert grey[5:25, 5:25].mean() > 180


def test_saves_jpeg_and_a_two_page_pdf(tmp_path: Path) -> None:
    page = capture_page(media.document_frame(), aspect=A4_RATIO).image
    jpeg = save_jpeg(page, tmp_path / "page.jpg")
    assert cv2.imread(str(jpeg)).shape == page.shape
    pdf = save_pdf([page, page], tmp_path / "pages.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, timeout=30,
                          check=True).stdout
    assert re.search(r"^Pages:\s+2$", info, re.M), info
    assert re.search(r"^Page size:\s+595.2 x 841.\d+ pts", info, re.M), info  # A4 at 150 dpi
    subprocess.run(["pdftoppm", "-r", "20", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "render")], check=True, timeout=30)
    rendered = cv2.imread(str(next(tmp_path.glob("render*.png"))), cv2.IMREAD_GRAYSCALE)
    assert rendered is not None and rendered.mean() > 150  # the white page, not a blank error


@pytest.mark.parametrize("frame", [
    np.full((480, 640, 3), 45, np.uint8),
    media.face_frame(),
    cv2.resize(media.document_frame(), (64, 48))[::1, ::1] * 0,
])
def test_no_page_is_a_typed_error(frame: np.ndarray) -> None:
    with pytest.raises(NoDocument) as err:
        capture_page(frame)
    assert err.value.reason == "no-document"


def test_no_pages_no_pdf(tmp_path: Path) -> None:
    with pytest.raises(NoDocument):
        save_pdf([], tmp_path / "none.pdf")
