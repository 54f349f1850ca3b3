"""Reference photos (留存照片) for the fictitious residents, so the demo and tests can verify faces.

The only real human face among the packaged photos is scikit-image's astronaut (a NASA
portrait, public domain), so every simulated resident gets that face as their reference: in
the demo "本人" shows the astronaut and "他人" a face from skimage's LFW subset. scikit-image is
installed by `make demo` and `make test` (the test extra); a sandbox without it starts with no
references and says so once in its log (face-verify then answers 404 face-reference-missing,
which the terminal turns into staff assistance).
"""

from __future__ import annotations

import logging
import sqlite3

import numpy as np

from . import identity

log = logging.getLogger("sandbox.faces")

#: The ID numbers of devices/idcard/residents.json (the sandbox imports nothing of devices;
#: tests/sandbox/test_face_seed.py checks the two lists agree).
RESIDENT_ID_NUMBERS: tuple[str, ...] = (
    "420702198503121011", "420703194608231020", "42070419621001139X", "420702199805301020",
    "420781197912081015", "420703195302141027", "420702199007211012",
)

# The astronaut's face in skimage's 512×512 picture (Haar cascade, measured once): x, y, w, h.
_FACE_BOX = (177, 66, 95, 95)


def reference_photo() -> bytes | None:
    """A head-and-shoulders JPEG (about 170×210) of the astronaut; None without scikit-image."""
    try:
        from skimage import data
    except ImportError:
        return None
    import cv2
    rgb = data.astronaut()  # type: ignore[no-untyped-call]  # scikit-image leaves it untyped
    x, y, w, h = _FACE_BOX
    cx, cy = x + w // 2, y + h // 2
    ph = int(h * 2.2)           # a passport-style crop: some hair above, shoulders below
    pw = int(ph * 102 / 126)    # the ID card photo's proportions
    top, left = max(0, cy - int(ph * 0.45)), max(0, cx - pw // 2)
    crop = np.ascontiguousarray(rgb[top:top + ph, left:left + pw, ::-1])  # RGB → BGR
    ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, 92])
    return bytes(buf.tobytes()) if ok else None


def seed_references(conn: sqlite3.Connection) -> int:
    """Register the photo for every resident that has none yet (an operator's own registration
    is kept); returns how many were added."""
    photo = reference_photo()
    if photo is None:
        log.warning("no reference photos seeded: scikit-image is not installed")
        return 0
    conn.execute(identity.SCHEMA)
    added = 0
    for number in RESIDENT_ID_NUMBERS:
        if identity.has_reference(conn, number):
            continue
        identity.register_reference(conn, number, photo)
        added += 1
    return added
