"""The face check flow on real parts: video files read by the OpenCV camera, the real sandbox's
face-verify over HTTP, dlib on the card photo. Nothing under test is mocked."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from devices.camera.face import MESSAGES as QUALITY_MESSAGES
from devices.camera.opencv import OpenCVCamera
from devices.camera.verify import LocalFaceVerifier
from devices.idcard.base import IdentityDocument
from devices.idcard.simulated import load_residents
from kiosk.flows.identify.app_login import identity_from_app
from kiosk.flows.identify.face_check import (CHALLENGE_WORDS, MESSAGES, FaceCheck, FaceState,
                                    needs_face_check, watch)
from kiosk.flows.identify.face_verifiers import (CardPhotoFaceVerifier, PlatformFaceVerifier,
                                        make_verifier)
from sandbox.testing import SandboxHandle, free_port
from services.client import PlatformClient
from services.identity import IdentityService
from services.schemas import AppIdentity
from tests.devices.camera.media import face_frame, id_card_photo, stranger_frame, write_video

STEADY = [0, 0, 0]
TURN = [15, 30, 45, 60, 75, 90]  # the face slides to the image's right (x grows)


def encode_png(frame: np.ndarray) -> bytes:
    import cv2
    return bytes(cv2.imencode(".png", frame)[1].tobytes())


def resident(index: int = 0) -> IdentityDocument:
    return load_residents()[index]


def platform(handle: SandboxHandle) -> PlatformFaceVerifier:
    return PlatformFaceVerifier(IdentityService(PlatformClient(handle.url, handle.token,
                                                               timeout=30)))


def video(tmp_path: Path, name: str, shifts: list[int], stranger: bool = False) -> str:
    frames = [stranger_frame(dx=d) if stranger else face_frame(dx=d) for d in shifts]
    return str(write_video(tmp_path / f"{name}.avi", frames))


def run(path: str, check: FaceCheck) -> tuple[FaceState, list[FaceState]]:
    """One try: the video file played through the real OpenCV camera."""
    seen: list[FaceState] = []
    with OpenCVCamera(path) as camera:
        final = watch(camera, check, stop=lambda: False,
                      on_frame=lambda _f, state: seen.append(state))
    return final, seen


def test_the_residents_face_passes_after_quality_and_liveness(
        tmp_path: Path, shared_platform: SandboxHandle) -> None:
    check = FaceCheck(resident(), platform(shared_platform), choose=lambda: "turn-right")
    final, seen = run(video(tmp_path, "me", STEADY + TURN + TURN[::-1]), check)
    assert final.step == "passed" and final.attempt == 0
    steps = [s.step for s in seen]
    # In order: positioned, asked to turn (in mirrored words), verified.
    assert steps.index("liveness") < steps.index("verifying") < steps.index("passed")
    asked = next(s for s in seen if s.step == "liveness")
    assert asked.message == CHALLENGE_WORDS["turn-right"] and "向左" in asked.message


def test_a_stranger_fails_three_times_then_only_staff_is_left(
        tmp_path: Path, shared_platform: SandboxHandle) -> None:
    check = FaceCheck(resident(1), platform(shared_platform), max_attempts=3,
                      choose=lambda: "turn-right")
    path = video(tmp_path, "stranger", STEADY + TURN + TURN[::-1], stranger=True)
    first, _ = run(path, check)
    assert first.step == "failed" and first.attempt == 1 and first.can_retry
    assert first.message == MESSAGES["failed"]
    assert check.retry().step == "looking"
    second, _ = run(path, check)
    assert second.attempt == 2 and check.retry().step == "looking"
    third, _ = run(path, check)
    assert third.step == "too-many" and third.attempt == 3 and not third.can_retry
    assert "工作人员" in third.message
    assert check.retry().step == "too-many"  # no fourth try
    # Nor by way of the camera going away and coming back.
    assert check.camera_down().step == "too-many" and check.retry().step == "too-many"


def test_a_still_photo_or_the_wrong_turn_is_not_live(
        tmp_path: Path, shared_platform: SandboxHandle) -> None:
    check = FaceCheck(resident(), platform(shared_platform), liveness_frames=6,
                      liveness_tries=2, choose=lambda: "turn-left")
    still, _ = run(video(tmp_path, "still", [0] * 16), check)
    assert (still.step, still.reason) == ("failed", "not-live")
    check.retry()
    # Asked to turn one way, the face went the other way.
    wrong, _ = run(video(tmp_path, "wrong", STEADY + TURN + TURN), check)
    assert (wrong.step, wrong.reason, wrong.attempt) == ("failed", "not-live", 2)


def test_quality_reasons_reach_the_resident(shared_platform: SandboxHandle) -> None:
    check = FaceCheck(resident(), platform(shared_platform))
    assert check.feed(np.full((480, 640, 3), 200, np.uint8)).step == "looking"
    off = check.feed(face_frame(dx=180))
    assert (off.step, off.reason) == ("adjust", "off-centre")
    assert off.message == QUALITY_MESSAGES["off-centre"]
    assert check.feed(face_frame(brightness=0.25)).message.startswith("光线太暗")


def test_a_missing_camera_offers_staff_at_once(tmp_path: Path,
                                               shared_platform: SandboxHandle) -> None:
    check = FaceCheck(resident(), platform(shared_platform))
    camera = OpenCVCamera(str(tmp_path / "unplugged.avi"))  # never opened: offline
    state = watch(camera, check, stop=lambda: False)
    assert (state.step, state.reason) == ("unavailable", "camera-down")
    assert "工作人员" in state.message and state.finished
    # No verifier at all (no camera configured) is the same answer, before any frame.
    assert FaceCheck(resident(), None).state.step == "unavailable"


def test_a_video_that_ends_mid_check_ends_in_staff_not_a_hang(
        tmp_path: Path, shared_platform: SandboxHandle) -> None:
    check = FaceCheck(resident(), platform(shared_platform))
    state, _ = run(video(tmp_path, "short", STEADY), check)
    assert (state.step, state.reason) == ("unavailable", "camera-down")


def test_no_reference_photo_and_platform_down_offer_staff(
        tmp_path: Path, shared_platform: SandboxHandle) -> None:
    stranger_id = dataclasses.replace(resident(), id_number="420705197703151025")
    check = FaceCheck(stranger_id, platform(shared_platform), choose=lambda: "turn-right")
    state, _ = run(video(tmp_path, "me", STEADY + TURN), check)
    assert (state.step, state.reason) == ("unavailable", "no-reference")
    assert state.attempt == 0  # not the resident's fault: no try used up

    dead = PlatformClient(f"http://127.0.0.1:{free_port()}", "t", timeout=2)
    check = FaceCheck(resident(), PlatformFaceVerifier(IdentityService(dead)),
                      choose=lambda: "turn-right")
    state, _ = run(video(tmp_path, "me", STEADY + TURN), check)
    assert (state.step, state.reason) == ("unavailable", "platform-down")


def test_local_backend_uses_the_card_photo() -> None:
    card = dataclasses.replace(resident(), photo=encode_png(id_card_photo()))
    verifier = CardPhotoFaceVerifier(LocalFaceVerifier())
    assert verifier.verify_face(card, face_frame(dx=30))
    assert not verifier.verify_face(card, stranger_frame())
    check = FaceCheck(resident(), verifier, choose=lambda: "turn-right")  # no photo: WLT
    for d in STEADY:
        check.feed(face_frame(dx=d))
    for d in TURN:
        check.feed(face_frame(dx=d))
    state = check.verify() if check.state.step == "verifying" else check.state
    assert (state.step, state.reason) == ("unavailable", "no-reference")


def test_auto_prefers_the_card_photo_and_falls_back_to_the_platform(
        shared_platform: SandboxHandle) -> None:
    api = IdentityService(PlatformClient(shared_platform.url, shared_platform.token,
                                         timeout=30))
    auto = make_verifier("auto", api, LocalFaceVerifier())
    with_photo = dataclasses.replace(resident(2), photo=encode_png(id_card_photo()))
    assert auto.verify_face(with_photo, face_frame())
    assert auto.verify_face(resident(2), face_frame())  # no photo: the platform decides
    with pytest.raises(ValueError):
        make_verifier("local", api, None)


def test_app_logins_skip_the_face_check_cards_do_not() -> None:
    app_person: Any = identity_from_app(AppIdentity(name="张明华", id_number="420702198503121011",
                                                    phone="13907120001"))
    assert not needs_face_check(app_person)
    assert needs_face_check(resident(0)) and needs_face_check(resident(6))


def test_wipe_forgets_frames_and_identity(shared_platform: SandboxHandle) -> None:
    check = FaceCheck(resident(), platform(shared_platform), choose=lambda: "turn-right")
    for d in STEADY + [15]:
        check.feed(face_frame(dx=d))
    assert check.state.step == "liveness"
    check.wipe()
    assert check.identity is None
    assert check.__dict__["_frames"] == [] and check.__dict__["_best"] is None
    assert check.verify().step != "passed"


def test_a_verifier_that_crashes_hands_over_to_staff(tmp_path: Path) -> None:
    class Crashing:
        """A backend bug (e.g. a dlib runtime error) inside verification."""

        def verify_face(self, identity: IdentityDocument, live: np.ndarray) -> bool:
            raise RuntimeError("backend exploded")

    check = FaceCheck(resident(), Crashing(), choose=lambda: "turn-right")  # type: ignore[arg-type]  # a verifier that crashes
    state, _ = run(video(tmp_path, "me", STEADY + TURN), check)
    assert (state.step, state.reason) == ("unavailable", "verifier-down")
    assert state.attempt == 0 and "工作人员" in state.message


def test_the_counter_names_the_try_that_passed_and_each_that_failed(
        tmp_path: Path, shared_platform: SandboxHandle) -> None:
    check = FaceCheck(resident(), platform(shared_platform), max_attempts=3,
                      choose=lambda: "turn-right")
    assert check.state.try_number == 1
    still, seen = run(video(tmp_path, "still", [0] * 40), check)
    assert (still.step, still.try_number) == ("failed", 1)
    # A still face is never live: the try reads exactly its frame budget, then ends.
    assert len(seen) == check.frame_budget
    assert {s.try_number for s in seen} == {1}
    assert check.retry().try_number == 2
    passed, seen = run(video(tmp_path, "me", STEADY + TURN + TURN[::-1]), check)
    assert (passed.step, passed.attempt, passed.try_number) == ("passed", 1, 2)
    assert {s.try_number for s in seen} == {2}
    assert dataclasses.replace(passed, step="too-many", attempt=3).try_number == 3
