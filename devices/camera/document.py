"""Document capture: find the page, correct the perspective, save it as JPEG and as PDF."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from devices.base import DeviceError
from devices.camera.base import Frame, as_frame, encode_jpeg

A4_RATIO = 297 / 210


class NoDocument(DeviceError):
    """No page-like quadrilateral in the frame: the document is missing, cut off or too small."""

    default_reason = "no-document"


@dataclass(frozen=True)
class CapturedPage:
    """The corrected page and the corners it was cut from (tl, tr, br, bl in the frame)."""

    image: Frame
    corners: npt.NDArray[np.float32]


def _order(points: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    # tl has the smallest x+y, br the largest; tr the smallest y-x, bl the largest.
    s = points.sum(axis=1)
    d = np.diff(points, axis=1).ravel()
    return np.array([points[np.argmin(s)], points[np.argmin(d)], points[np.argmax(s)],
                     points[np.argmax(d)]], dtype=np.float32)


def find_page(image: Frame, *, min_area: float = 0.15) -> npt.NDArray[np.float32]:
    """Corners of the largest convex quadrilateral covering at least `min_area` of the frame."""
    import cv2
    frame = as_frame(image)
    grey = cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (5, 5), 0)
    edges = cv2.Canny(grey, 50, 150)
    # Close small gaps in the page outline (a finger, a fold) before looking for contours.
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area_needed = min_area * frame.shape[0] * frame.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        if cv2.contourArea(contour) < area_needed:
            break
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approx) == 4:
            return _order(approx.reshape(4, 2).astype(np.float32))
    raise NoDocument("no page found: put the whole document flat under the camera")


def rectify(image: Frame, corners: npt.NDArray[np.float32], width: int = 1240,
            aspect: float | None = None) -> Frame:
    """Warp the quadrilateral to an upright rectangle `width` pixels wide (1240 ≈ A4 at
    150 dpi). The height is `width * aspect`, or without `aspect` the ratio of the outline's
    edges: right for a camera looking straight down, squashed for a page seen at an angle
    (one view cannot tell the true ratio), so pass A4_RATIO when the form is known to be A4."""
    import cv2
    frame = as_frame(image)
    tl, tr, br, bl = corners
    w = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
    h = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
    if w < 1 or h < 1:
        raise NoDocument("degenerate page outline")
    height = int(round(width * (aspect if aspect else h / w)))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]],
                      dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return np.ascontiguousarray(cv2.warpPerspective(frame, matrix, (width, height),
                                                    flags=cv2.INTER_CUBIC))


def capture_page(image: Frame, width: int = 1240, aspect: float | None = None) -> CapturedPage:
    corners = find_page(image)
    return CapturedPage(rectify(image, corners, width, aspect), corners)


def save_jpeg(page: Frame, path: str | Path, quality: int = 90) -> Path:
    out = Path(path)
    out.write_bytes(encode_jpeg(page, quality))
    return out


def pdf_bytes(pages: Sequence[Frame], dpi: float = 150.0, quality: int = 85) -> bytes:
    """A PDF with one page per image, each page sized to its image at `dpi` (JPEG inside,
    DCTDecode: no re-encoding by a PDF library and no extra dependency)."""
    if not pages:
        raise NoDocument("no pages to save")
    objects: list[bytes] = []
    kids: list[int] = []
    for page in pages:
        frame = as_frame(page)
        jpeg = encode_jpeg(frame, quality)
        h, w = frame.shape[:2]
        pw, ph = w * 72 / dpi, h * 72 / dpi
        img_id, content_id, page_id = len(objects) + 3, len(objects) + 4, len(objects) + 5
        objects.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                       b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
                       b"/Length %d >>\nstream\n" % (w, h, len(jpeg)) + jpeg + b"\nendstream")
        draw = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (pw, ph)
        objects.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
                       b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                       % (pw, ph, img_id, content_id))
        kids.append(page_id)
    catalog = b"<< /Type /Catalog /Pages 2 0 R >>"
    tree = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate([catalog, tree, *objects], start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
    out.writelines(b"%010d 00000 n \n" % off for off in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(offsets) + 1, xref))
    return out.getvalue()


def save_pdf(pages: Sequence[Frame], path: str | Path, dpi: float = 150.0) -> Path:
    out = Path(path)
    out.write_bytes(pdf_bytes(pages, dpi))
    return out
