"""The face check in the real Kivy app, offscreen: card → face → item; a stranger's face three
times → staff PIN (wrong once, then right); 长辈模式. Screenshots are checked for content."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from devices.idcard.simulated import load_residents
from kiosk.devtools.demo import DEMO_STAFF_PIN
from tests.kiosk.test_app_e2e import assert_not_blank, run_app, write_config

CAMERA = '[devices.camera]\nbackend = "simulated"\n'


def run_face(tmp_path: Path, platform: Any, script: str, *extra: str,
             orientation: str = "portrait", camera: str = CAMERA) -> tuple[dict[str, Any], str]:
    cfg = tmp_path / "kiosk.toml"
    write_config(cfg, platform, tmp_path / "slips", orientation=orientation, extra=camera)
    # Only the hash of the staff PIN is configured, as on a real terminal.
    digest = hashlib.sha256(DEMO_STAFF_PIN.encode()).hexdigest()
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "[terminal]\n", f'[terminal]\nstaff_pin_sha256 = "{digest}"\n', 1), encoding="utf-8")
    return run_app(tmp_path, cfg, script, *extra)


@pytest.mark.kivy
def test_card_then_the_residents_face_opens_the_service(tmp_path: Path,
                                                        shared_platform: Any) -> None:
    person = load_residents()[0]
    result, logs = run_face(tmp_path, shared_platform, "face_pass")
    facts = result["facts"]
    assert facts["verified_by"] == "face" and facts["kind"] == "id_card"
    # Masked name, a plain instruction, the counter, and the ask to move in mirrored words.
    assert facts["name_shown"].startswith(person.name[0]) and "*" in facts["name_shown"]
    assert facts["first_message"] and facts["attempt_text"] == "第 1 次，共 3 次"
    assert "转" in facts["liveness_message"]
    assert facts["min_target_dp"] >= 60
    assert facts["face_wiped"] is True
    for shot in result["shots"]:
        assert_not_blank(shot)
    for secret in (person.name, person.id_number):
        assert secret not in logs


@pytest.mark.kivy
def test_a_stranger_fails_three_times_then_staff_confirm_with_their_pin(
        tmp_path: Path, shared_platform: Any) -> None:
    person = load_residents()[0]
    result, logs = run_face(tmp_path, shared_platform, "face_staff")
    facts = result["facts"]
    assert facts["counters"] == ["第 1 次，共 3 次", "第 2 次，共 3 次", "第 3 次，共 3 次"]
    assert facts["final_step"] == "too-many" and facts["retry_shown"] is False
    assert "工作人员" in facts["fail_messages"][-1]
    wrong = facts["wrong_pin_message"]
    assert wrong.startswith("密码不对") and "2 次" in wrong
    assert facts["verified_by"] == "staff" and facts["dialog_closed"] is True
    assert facts["wiped"] is True
    assert "identity confirmed by staff" in logs  # counted...
    assert person.name not in logs and person.id_number not in logs  # ...but not who
    assert DEMO_STAFF_PIN not in logs
    for shot in result["shots"]:
        assert_not_blank(shot)


@pytest.mark.kivy
def test_face_screen_in_elderly_mode(tmp_path: Path, shared_platform: Any) -> None:
    result, _logs = run_face(tmp_path, shared_platform, "face_pass", "--elderly")
    facts = result["facts"]
    assert facts["type_scale"] >= 1.5 and facts["min_target_dp"] >= 60
    assert facts["verified_by"] == "face"
    for shot in result["shots"]:
        assert_not_blank(shot)


@pytest.mark.kivy
def test_a_missing_camera_never_blocks_staff_are_offered_at_once(
        tmp_path: Path, shared_platform: Any) -> None:
    # The real OpenCV backend on a camera that is not there (unplugged since installation).
    missing = f'[devices.camera]\nbackend = "opencv"\nsource = "{tmp_path / "gone.avi"}"\n'
    result, _logs = run_face(tmp_path, shared_platform, "face_camera_down", camera=missing)
    facts = result["facts"]
    assert "摄像头暂时无法使用" in facts["message"] and "工作人员" in facts["message"]
    assert facts["staff_primary"] is True and facts["retry_shown"] is True
    assert facts["verified_by"] == "staff"
    assert_not_blank(result["shots"][0])
