"""Face detection, quality reasons with their Chinese messages, and liveness across video frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import media
from devices.camera.base import BadImage
from devices.camera.face import MESSAGES, check_liveness, check_quality, detect_faces
from devices.camera.opencv import OpenCVCamera


def _frames(path: Path) -> list[np.ndarray]:
    with OpenCVCamera(str(path)) as cam:
        return [cam.read() for _ in range(10)]


def test_detects_the_astronaut_and_the_small_id_card_photo() -> None:
    (face,) = detect_faces(media.astronaut())
    assert abs(face.x - 177) < 10 and abs(face.w - 95) < 10
    photo = media.id_card_photo()
    assert photo.shape[:2] == (126, 102)
    (small,) = detect_faces(photo)  # box given back in the small photo's own pixels
    assert 40 < small.w < 100 and small.x + small.w <= 102 and small.y + small.h <= 126


@pytest.mark.parametrize("frame, reason", [
    (media.face_frame(), "ok"),
    (np.full((480, 640, 3), 200, np.uint8), "no-face"),
    (media.face_frame(scale=0.35), "too-small"),
    (media.face_frame(dx=180), "off-centre"),
    (media.face_frame(brightness=0.25), "too-dark"),
    (media.face_frame(brightness=1.8), "too-bright"),
    (media.face_frame(blur=4), "blurry"),
])
def test_quality_gives_a_reason_and_a_message(frame: np.ndarray, reason: str) -> None:
    result = check_quality(frame)
    assert (result.ok, result.reason) == (reason == "ok", reason)
    assert result.message == MESSAGES[reason]


def test_quality_of_a_close_face_and_of_two_faces() -> None:
    assert check_quality(media.face_frame(scale=2.2)).reason in {"too-large", "off-centre"}
    two = np.full((480, 640, 3), 200, np.uint8)
    head = media.face_frame()[40:440, 120:520]
    import cv2
    small = cv2.resize(head, (300, 300))
    two[90:390, 10:310] = small
    two[90:390, 330:630] = small
    assert check_quality(two).reason == "many-faces"
    assert check_quality(two).message == "请确保镜头前只有您一人"


def test_messages_are_plain_chinese_for_every_reason() -> None:
    assert MESSAGES["no-face"] == "请正对摄像头"
    assert MESSAGES["too-dark"].startswith("光线太暗")


@pytest.mark.parametrize("bad", [None, np.zeros((0, 0, 3), np.uint8),
                                 np.zeros((10, 10, 3), np.float64), "image",
                                 np.zeros((4, 4, 5), np.uint8)])
def test_bad_images_raise_bad_image(bad: object) -> None:
    with pytest.raises(BadImage):
        check_quality(bad)  # type: ignore[arg-type]  # not a frame: the point of the test


def test_a_moving_face_is_live_in_the_asked_direction(face_video: Path) -> None:
    frames = _frames(face_video)
    right = check_liveness(frames, "turn-right")
    assert right.live and right.reason == "ok", right.metrics
    assert right.metrics["travel"] > 0.3
    assert check_liveness(frames, "any").live
    left = check_liveness(frames, "turn-left")
    assert not left.live and left.reason == "not-live" and left.message == MESSAGES["not-live"]


def test_a_still_photo_is_not_live(still_video: Path) -> None:
    result = check_liveness(_frames(still_video))
    assert not result.live and result.reason == "not-live"
    assert result.metrics["span"] < 0.05


def test_a_photo_slid_without_change_inside_the_face_fails_the_texture_check() -> None:
    # The same pixels shifted: the box moves, but the face's own pixels do not change.
    frames = [media.face_frame(dx=d) for d in (0, 30, 60, 90)]
    result = check_liveness(frames, "turn-right", min_texture_change=50.0)
    assert not result.live


def test_liveness_needs_frames_with_a_face() -> None:
    assert check_liveness([media.face_frame()] * 2).reason == "too-few-frames"
    blank = np.full((480, 640, 3), 200, np.uint8)
    assert check_liveness([blank] * 5).reason == "no-face"
