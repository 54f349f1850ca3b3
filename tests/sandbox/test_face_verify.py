"""POST /v1/identity/face-verify on the real sandbox, through the terminal's IdentityService."""

from __future__ import annotations

import base64
import subprocess
import sys
import uuid
from pathlib import Path

import cv2
import numpy as np
import pytest

from sandbox import identity
from sandbox.testing import SandboxHandle
from sandbox_helpers import Api, assert_problem
from services.client import PlatformClient
from services.errors import NotFound, Rejected
from services.identity import IdentityService
from services.schemas import (PROBLEM_BAD_IMAGE, PROBLEM_FACE_NOT_FOUND,
                              PROBLEM_FACE_REFERENCE_MISSING)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "devices" / "camera"))
import media  # noqa: E402  (test photos shared with the camera tests)

ROOT = Path(__file__).resolve().parents[2]
REGISTERED = "420702198503121011"   # a reference photo is registered for this one
UNKNOWN = "420705197703151025"      # not a simulated resident: no reference photo
PATH = "/v1/identity/face-verify"


def jpeg(frame: np.ndarray) -> bytes:
    return bytes(cv2.imencode(".jpg", frame)[1].tobytes())


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture(scope="module")
def service(sandbox: SandboxHandle,
            tmp_path_factory: pytest.TempPathFactory) -> IdentityService:
    # Registered the way an operator does it: the module's command on the sandbox's database.
    card = tmp_path_factory.mktemp("faces") / "card.png"
    cv2.imwrite(str(card), media.id_card_photo())
    done = subprocess.run([sys.executable, "-m", "sandbox.identity", "register", "--db",
                           str(sandbox.db_path), REGISTERED, str(card)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return IdentityService(PlatformClient(sandbox.url, sandbox.token, timeout=30))


def test_the_same_face_matches_the_registered_photo(service: IdentityService) -> None:
    result = service.face_verify(REGISTERED, jpeg(media.face_frame(dx=30)), key())
    assert result.match and result.reference == "registered"
    assert result.score >= result.threshold
    assert result.method == ("dlib-resnet" if identity.dlib_available() else "opencv-lbp")


def test_the_card_photo_is_the_reference_when_none_is_registered(
        service: IdentityService) -> None:
    card = jpeg(media.id_card_photo())
    result = service.face_verify(UNKNOWN, jpeg(media.face_frame()), key(), card_photo=card)
    assert result.match and result.reference == "card-photo"
    stranger = service.face_verify(UNKNOWN, jpeg(media.other_faces(1)[0]), key(),
                                   card_photo=card)
    assert not stranger.match and stranger.score < stranger.threshold


def test_no_reference_at_all_is_not_found(service: IdentityService) -> None:
    with pytest.raises(NotFound) as err:
        service.face_verify(UNKNOWN, jpeg(media.face_frame()), key())
    assert err.value.problem_type == PROBLEM_FACE_REFERENCE_MISSING
    assert "工作人员" in err.value.message


def test_a_picture_without_a_face(service: IdentityService) -> None:
    with pytest.raises(Rejected) as err:
        service.face_verify(REGISTERED, jpeg(np.full((480, 640, 3), 200, np.uint8)), key())
    assert err.value.problem_type == PROBLEM_FACE_NOT_FOUND


@pytest.mark.parametrize("body, problem", [
    ({"id_number": REGISTERED, "live_image": "not base64!"}, PROBLEM_BAD_IMAGE),
    ({"id_number": REGISTERED, "live_image": base64.b64encode(b"GIF89a junk").decode()},
     PROBLEM_BAD_IMAGE),
    ({"id_number": UNKNOWN, "live_image": base64.b64encode(jpeg(media.face_frame())).decode(),
      "card_photo": "%%%"}, PROBLEM_BAD_IMAGE),
    ({"id_number": "123", "live_image": "AAAA"}, "urn:kiosk:problem:invalid-request"),
    ({"id_number": REGISTERED, "live_image": "AAAA", "extra": 1},
     "urn:kiosk:problem:invalid-request"),
])
def test_bad_requests_are_problems(api: Api, service: IdentityService,
                                   body: dict[str, object], problem: str) -> None:
    assert_problem(api.post(PATH, body, key=key()), 422, problem)


def test_needs_the_terminal_token(api: Api) -> None:
    response = api.http.post(api.url + PATH, json={}, timeout=10)
    assert_problem(response, 401)


def test_images_and_id_numbers_never_reach_the_log(sandbox: SandboxHandle,
                                                   service: IdentityService) -> None:
    live = jpeg(media.face_frame())
    service.face_verify(REGISTERED, live, key())
    log = sandbox.log_path.read_text(encoding="utf-8", errors="replace") if sandbox.log_path \
        else ""
    assert REGISTERED not in log and UNKNOWN not in log
    assert base64.b64encode(live).decode()[:40] not in log


def test_lbp_method_separates_the_test_photos() -> None:
    # The method the sandbox falls back to without the face extra (measured: same face
    # 0.735–0.77, 85 LFW strangers at most 0.646).
    card = media.id_card_photo()
    same = identity.lbp_similarity(media.face_frame(), card)
    assert same is not None and same >= identity.LBP_THRESHOLD
    others = [identity.lbp_similarity(f, card) for f in media.other_faces(20)]
    scored = [s for s in others if s is not None]
    assert len(scored) >= 12 and max(scored) < identity.LBP_THRESHOLD


def test_register_refuses_what_is_not_an_image(tmp_path: Path) -> None:
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"nope")
    done = subprocess.run([sys.executable, "-m", "sandbox.identity", "register", "--db",
                           str(tmp_path / "x.db"), REGISTERED, str(junk)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "not a JPEG or PNG" in done.stderr
