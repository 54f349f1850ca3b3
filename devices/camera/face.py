"""Face detection (bundled Haar cascade), face quality with a reason for the resident, liveness."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

import numpy as np

from devices.base import DeviceUnusable
from devices.camera.base import Frame, as_frame

if TYPE_CHECKING:
    import cv2

#: Plain-Chinese guidance per reason code; the screen shows it and may speak it.
MESSAGES: dict[str, str] = {
    "ok": "很好，请保持不动",
    "no-face": "请正对摄像头",
    "many-faces": "请确保镜头前只有您一人",
    "too-small": "请靠近一点",
    "too-large": "请稍微往后退一点",
    "off-centre": "请把脸移到画面中间",
    "blurry": "请保持不动",
    "too-dark": "光线太暗，请靠近屏幕或打开灯",
    "too-bright": "光线太亮，请避开强光",
    "not-live": "请按提示慢慢转动头部",
    "too-few-frames": "请看着摄像头，稍等片刻",
}

_cascade_lock = threading.Lock()
_cascade: cv2.CascadeClassifier | None = None


def _classifier() -> cv2.CascadeClassifier:
    global _cascade
    with _cascade_lock:
        if _cascade is None:
            import cv2
            folder: str = cv2.data.haarcascades  # type: ignore[attr-defined]  # not in the stubs
            path = folder + "haarcascade_frontalface_default.xml"
            classifier = cv2.CascadeClassifier(path)
            if classifier.empty():
                raise DeviceUnusable(f"Haar cascade missing: {path}", reason="library-missing")
            _cascade = classifier
        return _cascade


@dataclass(frozen=True)
class FaceBox:
    x: int
    y: int
    w: int
    h: int

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.w / 2, self.y + self.h / 2)


def detect_faces(image: Frame, *, min_fraction: float = 0.08,
                 upscale_below: int = 240) -> list[FaceBox]:
    """Frontal faces, largest first, in the coordinates of `image`.

    Images smaller than `upscale_below` pixels on their short side (e.g. the 102×126 ID card
    photo) are enlarged first: the cascade's 24-pixel window misses faces that fill a small
    picture. Faces narrower than `min_fraction` of the short side are ignored (background).
    """
    import cv2
    frame = as_frame(image)
    grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    short = min(grey.shape[:2])
    scale = 1.0
    if short < upscale_below:
        scale = upscale_below * 2 / short
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    grey = cv2.equalizeHist(grey)  # evens out backlight a little before detection
    side = max(24, int(min(grey.shape[:2]) * min_fraction))
    found = _classifier().detectMultiScale(
        grey, scaleFactor=1.1, minNeighbors=5, minSize=(side, side))
    boxes = [FaceBox(int(x / scale), int(y / scale), int(w / scale), int(h / scale))
             for (x, y, w, h) in (found if len(found) else [])]
    return sorted(boxes, key=lambda b: b.w * b.h, reverse=True)


@dataclass(frozen=True)
class QualityThresholds:
    """Defaults measured on the test photos and a 640×480 camera (docs/camera.md)."""

    min_face_fraction: float = 0.20   # face width / frame width
    max_face_fraction: float = 0.55
    max_centre_offset: float = 0.20   # centre distance / frame size, each axis
    min_sharpness: float = 60.0       # variance of the Laplacian inside the face
    min_brightness: float = 60.0      # mean grey level inside the face, 0..255
    max_brightness: float = 210.0


@dataclass(frozen=True)
class FaceQuality:
    """`reason` is stable and machine-readable; `message` is what the resident is told."""

    ok: bool
    reason: str
    message: str
    face: FaceBox | None = None
    metrics: dict[str, float] = field(default_factory=dict)


def _verdict(reason: str, face: FaceBox | None = None,
             metrics: dict[str, float] | None = None) -> FaceQuality:
    return FaceQuality(reason == "ok", reason, MESSAGES[reason], face, metrics or {})


def check_quality(image: Frame, limits: QualityThresholds = QualityThresholds()) -> FaceQuality:
    """Exactly one face, big enough, centred, sharp and well lit; the first failing check wins,
    in the order a resident can fix them (find the face, then position, then stillness/light)."""
    import cv2
    frame = as_frame(image)
    faces = detect_faces(frame)
    if not faces:
        return _verdict("no-face")
    if len(faces) > 1 and faces[1].w > faces[0].w * 0.5:
        # A much smaller second face is someone far behind; only a comparable one counts.
        return _verdict("many-faces", faces[0], {"faces": float(len(faces))})
    face = faces[0]
    height, width = frame.shape[:2]
    cx, cy = face.centre
    grey = cv2.cvtColor(frame[face.y:face.y + face.h, face.x:face.x + face.w],
                        cv2.COLOR_BGR2GRAY)
    metrics = {
        "face_fraction": face.w / width,
        "offset_x": abs(cx - width / 2) / width,
        "offset_y": abs(cy - height / 2) / height,
        "sharpness": float(cv2.Laplacian(grey, cv2.CV_64F).var()),
        "brightness": float(grey.mean()),
    }
    if metrics["face_fraction"] < limits.min_face_fraction:
        return _verdict("too-small", face, metrics)
    if metrics["face_fraction"] > limits.max_face_fraction:
        return _verdict("too-large", face, metrics)
    if max(metrics["offset_x"], metrics["offset_y"]) > limits.max_centre_offset:
        return _verdict("off-centre", face, metrics)
    if metrics["brightness"] < limits.min_brightness:
        return _verdict("too-dark", face, metrics)
    if metrics["brightness"] > limits.max_brightness:
        return _verdict("too-bright", face, metrics)
    if metrics["sharpness"] < limits.min_sharpness:
        return _verdict("blurry", face, metrics)
    return _verdict("ok", face, metrics)


Challenge = Literal["turn-left", "turn-right", "any"]


@dataclass(frozen=True)
class Liveness:
    """Result of `check_liveness`. `live` only means: a face that moved as asked (see docs)."""

    live: bool
    reason: str
    message: str
    metrics: dict[str, float] = field(default_factory=dict)


def check_liveness(frames: Sequence[Frame], challenge: Challenge = "any", *,
                   min_shift: float = 0.15, min_texture_change: float = 2.0) -> Liveness:
    """Did one face move across `frames` the way the screen asked?

    The face's horizontal travel (in face widths) must reach `min_shift` in the asked
    direction (image coordinates: "turn-left" moves the face towards x = 0; a screen with a
    mirrored preview swaps the words it shows), and the face pixels must change between
    frames beyond `min_texture_change` (mean absolute grey difference after alignment) so that
    a photo slid across the lens does not pass as easily. Defeats a still photo and a frozen
    stream; it does NOT defeat a replayed video or a mask.
    """
    import cv2
    if len(frames) < 3:
        return Liveness(False, "too-few-frames", MESSAGES["too-few-frames"])
    centres: list[float] = []
    widths: list[float] = []
    crops: list[np.ndarray] = []
    for image in frames:
        frame = as_frame(image)
        faces = detect_faces(frame)
        if not faces or (len(faces) > 1 and faces[1].w > faces[0].w * 0.5):
            continue  # no face, or two comparable faces: this frame proves nothing
        face = faces[0]
        centres.append(face.centre[0])
        widths.append(float(face.w))
        grey = cv2.cvtColor(frame[face.y:face.y + face.h, face.x:face.x + face.w],
                            cv2.COLOR_BGR2GRAY)
        crops.append(cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32))
    seen = len(centres) / len(frames)
    if len(centres) < 3 or seen < 0.6:
        return Liveness(False, "no-face", MESSAGES["no-face"], {"face_seen": seen})
    width = float(np.median(widths))
    travel = (centres[-1] - centres[0]) / width
    span = (max(centres) - min(centres)) / width
    change = float(np.mean([np.abs(a - b).mean() for a, b in pairwise(crops)]))
    metrics = {"face_seen": seen, "travel": travel, "span": span, "texture_change": change}
    moved = {"turn-left": travel <= -min_shift, "turn-right": travel >= min_shift,
             "any": span >= min_shift}[challenge]
    if moved and change >= min_texture_change:
        return Liveness(True, "ok", MESSAGES["ok"], metrics)
    return Liveness(False, "not-live", MESSAGES["not-live"], metrics)
