"""Test media made on the fly: frames from packaged photos, QR and document frames, video files."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import segno
from skimage import data

W, H = 640, 480


def astronaut() -> np.ndarray:
    return cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)


def astronaut_face_box() -> tuple[int, int, int, int]:
    # Measured once with the Haar cascade on skimage's astronaut (512×512): x, y, w, h.
    return 177, 66, 95, 95


def id_card_photo() -> np.ndarray:
    """The astronaut as the card's 102×126 photo: head and shoulders, downscaled."""
    x, y, w, h = astronaut_face_box()
    cx, cy = x + w / 2, y + h / 2
    ph = int(h * 1.9)
    pw = int(ph * 102 / 126)
    crop = astronaut()[max(0, int(cy - ph * 0.45)):int(cy + ph * 0.55),
                       max(0, int(cx - pw / 2)):int(cx + pw / 2)]
    return cv2.resize(crop, (102, 126), interpolation=cv2.INTER_AREA)


def other_faces(count: int = 20) -> list[np.ndarray]:
    """Faces of other people: skimage's LFW subset (25×25 grey crops of the face alone),
    enlarged to 150×150 and framed by a grey margin so that a detector sees a whole face."""
    faces = data.lfw_subset()[:count]
    out = []
    for f in faces:
        big = cv2.resize((f * 255).astype(np.uint8), (150, 150), interpolation=cv2.INTER_CUBIC)
        out.append(cv2.cvtColor(np.pad(big, 75, constant_values=128), cv2.COLOR_GRAY2BGR))
    return out


def stranger_frame(dx: int = 0, index: int = 1, noise: float = 3.0) -> np.ndarray:
    """A 640×480 frame with another person's face (LFW subset) centred (+dx), as a camera
    would give it: enlarged from 25×25, so mild sensor noise is added, or it is too smooth to
    pass the sharpness check (index 1 passes even without; most others need the noise)."""
    side = 230
    face = data.lfw_subset()[index]
    big = cv2.resize((face * 255).astype(np.uint8), (side, side), interpolation=cv2.INTER_CUBIC)
    frame = np.full((H, W), 128, np.uint8)
    left, top = (W - side) // 2 + dx, (H - side) // 2
    frame[top:top + side, left:left + side] = big
    grain = np.random.default_rng(index + dx).normal(0, noise, frame.shape)
    return cv2.cvtColor(np.clip(frame + grain, 0, 255).astype(np.uint8), cv2.COLOR_GRAY2BGR)


def face_frame(dx: int = 0, scale: float = 1.0, brightness: float = 1.0,
               blur: int = 0) -> np.ndarray:
    """A 640×480 frame with the astronaut's head centred (+dx pixels), optionally changed."""
    x, y, w, h = astronaut_face_box()
    side = int(w * 2.6)
    cx, cy = x + w // 2, y + h // 2
    src = astronaut()
    head = src[max(0, cy - side // 2):cy + side // 2, max(0, cx - side // 2):cx + side // 2]
    size = int(H * 0.9 * scale)
    head = cv2.resize(head, (size, size), interpolation=cv2.INTER_AREA)
    frame = np.full((H, W, 3), 200, np.uint8)
    left = (W - size) // 2 + dx
    top = (H - size) // 2
    xs, xe = max(0, left), min(W, left + size)
    ys, ye = max(0, top), min(H, top + size)
    frame[ys:ye, xs:xe] = head[ys - top:ye - top, xs - left:xe - left]
    if brightness != 1.0:
        frame = cv2.convertScaleAbs(frame, alpha=brightness, beta=0)
    if blur:
        frame = cv2.GaussianBlur(frame, (0, 0), blur)
    return frame


def qr_frame(text: str, size: int = 260) -> np.ndarray:
    """A full QR code (segno), `size` pixels wide, on a phone-like dark rectangle in a grey
    640×480 frame."""
    # make_qr, not make: a short text would become a Micro QR code, which no phone shows and
    # OpenCV cannot read.
    qr = segno.make_qr(text, error="m")
    matrix = np.array([[0 if dark else 255 for dark in row] for row in qr.matrix], np.uint8)
    matrix = np.pad(matrix, 4, constant_values=255)  # the quiet zone
    code = cv2.resize(matrix, (size, size), interpolation=cv2.INTER_NEAREST)
    frame = np.full((H, W, 3), 120, np.uint8)
    cv2.rectangle(frame, (170, 40), (470, 440), (30, 30, 30), -1)
    top, left = 240 - size // 2, 320 - size // 2
    frame[top:top + size, left:left + size] = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
    return frame


def page_image(w: int = 420, h: int = 594) -> np.ndarray:
    """A white A4-ratio page with a heading, lines of 'text' and a black square mark."""
    page = np.full((h, w, 3), 250, np.uint8)
    cv2.putText(page, "APPLICATION FORM", (30, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (0, 0, 0), 2)
    for i in range(12):
        cv2.line(page, (30, 110 + i * 35), (w - 30 - (i % 3) * 40, 110 + i * 35), (60, 60, 60), 2)
    cv2.rectangle(page, (w - 90, h - 90), (w - 40, h - 40), (0, 0, 0), -1)
    return page


PAGE_CORNERS = np.float32([[150, 70], [500, 110], [530, 440], [110, 420]])


def document_frame() -> np.ndarray:
    """The page laid on a dark desk and seen at an angle (a perspective transform)."""
    page = page_image()
    h, w = page.shape[:2]
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    matrix = cv2.getPerspectiveTransform(src, PAGE_CORNERS)
    desk = np.full((H, W, 3), 45, np.uint8)
    warped = cv2.warpPerspective(page, matrix, (W, H))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (W, H))
    desk[mask > 0] = warped[mask > 0]
    return desk


def write_video(path: Path, frames: list[np.ndarray], fps: float = 10.0) -> Path:
    """MJPG in AVI: written and read back by OpenCV's own codecs, no system encoder needed."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (W, H))
    assert writer.isOpened(), "OpenCV cannot write MJPG video here"
    for frame in frames:
        writer.write(frame)
    writer.release()
    return path
