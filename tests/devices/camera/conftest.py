"""Camera test fixtures: video files written by the tests from packaged photos."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import media  # noqa: E402


@pytest.fixture(scope="session")
def face_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten frames: the face still, then sliding to the right (a head movement)."""
    frames = [media.face_frame()] * 4 + [media.face_frame(dx=d) for d in (15, 30, 45, 60, 75, 90)]
    return media.write_video(tmp_path_factory.mktemp("video") / "face.avi", frames)


@pytest.fixture(scope="session")
def still_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same photo frame ten times (a printed photo held in front of the camera)."""
    return media.write_video(tmp_path_factory.mktemp("video") / "still.avi",
                             [media.face_frame()] * 10)
