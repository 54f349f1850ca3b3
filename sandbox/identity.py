"""Sandbox face check (POST /v1/identity/face-verify): a live face against a reference photo.

What it does, honestly: the reference is a photo registered for the ID number in the
sandbox's database (`python -m sandbox.identity register --db DB ID_NUMBER IMAGE`), or else the
card photo the terminal sends. Faces are found with OpenCV's Haar cascade and compared with
dlib's ResNet descriptors when the `face` extra is installed ("dlib-resnet"), otherwise with
local-binary-pattern histograms of the face crop ("opencv-lbp"), a classical method that tells
the test photos apart but is no biometric system. Images are never stored or logged.
"""

# No `from __future__ import annotations`: FastAPI must see the route annotations as objects.
import argparse
import base64
import binascii
import hashlib
import sqlite3
import sys
import threading
from typing import Any, Literal

import numpy as np
from fastapi import APIRouter

from services.schemas import (PROBLEM_BAD_IMAGE, PROBLEM_FACE_NOT_FOUND,
                              PROBLEM_FACE_REFERENCE_MISSING, FaceVerifyRequest,
                              FaceVerifyResult)

from .limits import check_image
from .problems import ProblemError, problem_responses

#: Similarity thresholds measured on the test photos (docs/camera.md).
DLIB_THRESHOLD = 0.45  # = descriptor distance 0.55
LBP_THRESHOLD = 0.70

SCHEMA = ("CREATE TABLE IF NOT EXISTS face_references ("
          "id_hash TEXT PRIMARY KEY, image BLOB NOT NULL)")
_models: Any = None
_lock = threading.Lock()


def _id_hash(id_number: str) -> str:
    # Keyed by a hash: the table alone does not list whose photos the sandbox holds.
    return hashlib.sha256(id_number.strip().upper().encode()).hexdigest()


def register_reference(conn: sqlite3.Connection, id_number: str, image: bytes) -> None:
    """Store (or replace) the reference photo for `id_number`; ValueError if not an image."""
    _decode(image)
    conn.execute(SCHEMA)
    conn.execute("INSERT OR REPLACE INTO face_references (id_hash, image) VALUES (?, ?)",
                 (_id_hash(id_number), image))


def has_reference(conn: sqlite3.Connection, id_number: str) -> bool:
    return _reference(conn, id_number) is not None


def _reference(conn: sqlite3.Connection, id_number: str) -> bytes | None:
    conn.execute(SCHEMA)
    row = conn.execute("SELECT image FROM face_references WHERE id_hash = ?",
                       (_id_hash(id_number),)).fetchone()
    return bytes(row[0]) if row else None


def _decode(data: bytes, field: str = "image") -> np.ndarray:
    import cv2
    check_image(data, field)  # before decoding: a 14,000² grey PNG is 600 KB but 3 GB decoded
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if image is None or image.size == 0:
        raise ValueError("not an image")
    return image


def _b64_image(text: str, field: str) -> np.ndarray:
    try:
        return _decode(base64.b64decode(text, validate=True), field)
    except (binascii.Error, ValueError):
        raise ProblemError(422, PROBLEM_BAD_IMAGE, "照片无法识别，请重新拍照。",
                           f"{field}: not a base64 JPEG or PNG image") from None


def _face_crop(image: np.ndarray) -> np.ndarray | None:
    """The largest frontal face, grey; small photos (the card's 102×126) enlarged first."""
    import cv2
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if min(grey.shape) < 300:
        factor = 300 / min(grey.shape)
        grey = cv2.resize(grey, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    folder: str = cv2.data.haarcascades  # type: ignore[attr-defined]  # not in cv2's stubs
    cascade = cv2.CascadeClassifier(folder + "haarcascade_frontalface_default.xml")
    side = max(24, min(grey.shape) // 12)
    faces = cascade.detectMultiScale(cv2.equalizeHist(grey), 1.1, 5, minSize=(side, side))
    if not len(faces):
        return None
    x, y, w, h = max(faces, key=lambda f: int(f[2]) * int(f[3]))
    return np.ascontiguousarray(grey[y:y + h, x:x + w])


def _lbp_features(face: np.ndarray) -> np.ndarray:
    """8-neighbour LBP codes of the 96×96 equalised face, histograms of a 4×4 grid."""
    import cv2
    g = cv2.equalizeHist(cv2.resize(face, (96, 96), interpolation=cv2.INTER_AREA))
    g = g.astype(np.int16)
    centre = g[1:-1, 1:-1]
    code: np.ndarray = np.zeros(centre.shape, np.uint8)  # numpy's stubs: shape () otherwise
    for bit, (dy, dx) in enumerate([(-1, -1), (-1, 0), (-1, 1), (0, 1),
                                    (1, 1), (1, 0), (1, -1), (0, -1)]):
        neighbour = g[1 + dy:g.shape[0] - 1 + dy, 1 + dx:g.shape[1] - 1 + dx]
        code |= (neighbour >= centre).astype(np.uint8) << bit
    h, w = code.shape
    cells = [code[r * h // 4:(r + 1) * h // 4, c * w // 4:(c + 1) * w // 4]
             for r in range(4) for c in range(4)]
    hists = [np.bincount(cell.ravel(), minlength=256) / cell.size for cell in cells]
    return np.concatenate(hists) / len(cells)


def lbp_similarity(live: np.ndarray, reference: np.ndarray) -> float | None:
    """Histogram intersection in 0..1; None when either picture holds no face."""
    a, b = _face_crop(live), _face_crop(reference)
    if a is None or b is None:
        return None
    return float(np.minimum(_lbp_features(a), _lbp_features(b)).sum())


def dlib_available() -> bool:
    try:
        import dlib  # noqa: F401
        import face_recognition_models  # noqa: F401
    except ImportError:
        return False
    return True


def _dlib_descriptor(image: np.ndarray) -> np.ndarray | None:
    import cv2
    import dlib
    import face_recognition_models as fm
    global _models
    with _lock:
        if _models is None:
            _models = (dlib.get_frontal_face_detector(),
                       dlib.shape_predictor(fm.pose_predictor_five_point_model_location()),
                       dlib.face_recognition_model_v1(fm.face_recognition_model_location()))
        detector, aligner, encoder = _models
    if image.shape[0] < 500:  # the card photo: enlarge so the detector and aligner see detail
        f = 500 / image.shape[0]
        image = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_CUBIC)
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
    rects = list(detector(rgb, 0 if min(rgb.shape[:2]) >= 400 else 1))
    if not rects:
        return None
    rect = max(rects, key=lambda r: r.width() * r.height())
    return np.asarray(encoder.compute_face_descriptor(rgb, aligner(rgb, rect)))


def dlib_similarity(live: np.ndarray, reference: np.ndarray) -> float | None:
    """1 − descriptor distance, clipped to 0..1; None when either picture holds no face."""
    a, b = _dlib_descriptor(live), _dlib_descriptor(reference)
    if a is None or b is None:
        return None
    distance = float(np.linalg.norm(a - b))
    return min(1.0, max(0.0, 1.0 - distance))


def compare(live: np.ndarray, reference: np.ndarray,
            method: str | None = None) -> tuple[float | None, float, str]:
    """(similarity or None, threshold, method name); `method` "dlib", "lbp" or None = best."""
    use_dlib = method == "dlib" or (method is None and dlib_available())
    if use_dlib:
        return dlib_similarity(live, reference), DLIB_THRESHOLD, "dlib-resnet"
    return lbp_similarity(live, reference), LBP_THRESHOLD, "opencv-lbp"


def add_routes(router: APIRouter, conn_dependency: Any) -> None:
    """Register POST /identity/face-verify on `router` (the v1 router with the token check)."""

    @router.post("/identity/face-verify", response_model=FaceVerifyResult, tags=["identity"],
                 summary="Compare a live face with the reference photo of an ID number",
                 responses=problem_responses(404))
    def face_verify(conn: conn_dependency, body: FaceVerifyRequest) -> FaceVerifyResult:
        """The reference is the photo registered for `id_number`, else `card_photo`; 404
        face-reference-missing when there is neither, 422 bad-image for undecodable images,
        422 face-not-found when either picture holds no face. Nothing is stored."""
        live = _b64_image(body.live_image, "live_image")
        stored = _reference(conn, body.id_number)
        kind: Literal["registered", "card-photo"]
        if stored is not None:
            reference, kind = _decode(stored), "registered"
        elif body.card_photo:
            reference, kind = _b64_image(body.card_photo, "card_photo"), "card-photo"
        else:
            raise ProblemError(404, PROBLEM_FACE_REFERENCE_MISSING,
                               "没有找到您的留存照片，请改用其他方式或请工作人员协助。")
        score, threshold, method = compare(live, reference)
        if score is None:
            raise ProblemError(422, PROBLEM_FACE_NOT_FOUND, "没有检测到人脸，请正对摄像头后重试。")
        return FaceVerifyResult(match=score >= threshold, score=round(score, 4),
                                threshold=threshold, method=method, reference=kind)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.identity")
    sub = parser.add_subparsers(dest="command", required=True)
    reg = sub.add_parser("register", help="register a reference face photo for an ID number")
    reg.add_argument("--db", required=True)
    reg.add_argument("id_number")
    reg.add_argument("image", help="JPEG or PNG file")
    args = parser.parse_args(argv)
    with open(args.image, "rb") as f:
        data = f.read()
    conn = sqlite3.connect(args.db)
    try:
        register_reference(conn, args.id_number, data)
        conn.commit()
    except ValueError:
        print(f"{args.image}: not a JPEG or PNG image", file=sys.stderr)
        return 2
    finally:
        conn.close()
    print("registered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
