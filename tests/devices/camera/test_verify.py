"""Local face verification (dlib) on packaged photos: the ID-card-sized photo against live
frames."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import media
from devices.base import DeviceUnusable
from devices.camera.verify import (LOCAL_THRESHOLD, FaceNotFound, FaceVerifier,
                                   LocalFaceVerifier, upscale_reference)


@pytest.fixture(scope="module")
def verifier() -> LocalFaceVerifier:
    # The test extra installs the face extra, so the real backend runs here (never skipped).
    assert LocalFaceVerifier.is_usable(), "pip install -e '.[test]' brings dlib-bin and models"
    return LocalFaceVerifier()


def test_the_card_photo_matches_live_frames_of_the_same_face(verifier: LocalFaceVerifier) -> None:
    assert isinstance(verifier, FaceVerifier)
    card = media.id_card_photo()
    assert upscale_reference(card).shape[:2] == (500, 405)
    for live in (media.face_frame(), media.face_frame(dx=40, scale=0.8),
                 media.face_frame(brightness=0.7)):
        result = verifier.verify(live, card)
        assert result.match and result.score < 0.3, result  # measured 0.11–0.18


def test_other_peoples_faces_do_not_match(verifier: LocalFaceVerifier) -> None:
    card = verifier.descriptor(upscale_reference(media.id_card_photo()))
    scores = []
    for face in media.other_faces(30):
        try:
            scores.append(float(np.linalg.norm(verifier.descriptor(face) - card)))
        except FaceNotFound:
            continue  # a few 25-pixel LFW crops hold no detectable face (measured 4 of 100)
    assert len(scores) >= 25
    assert min(scores) > LOCAL_THRESHOLD, sorted(scores)[:3]  # measured min 0.61 on 100 faces


def test_a_frame_without_a_face_is_a_typed_error(verifier: LocalFaceVerifier) -> None:
    with pytest.raises(FaceNotFound) as err:
        verifier.verify(np.full((480, 640, 3), 200, np.uint8), media.id_card_photo())
    assert err.value.reason == "face-not-found"


def test_unusable_without_the_face_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dlib", None)  # import dlib now raises ImportError
    monkeypatch.setattr(LocalFaceVerifier, "_models", None)
    assert not LocalFaceVerifier.is_usable()
    with pytest.raises(DeviceUnusable) as err:
        LocalFaceVerifier().verify(media.face_frame(), media.id_card_photo())
    assert err.value.reason == "library-missing"
