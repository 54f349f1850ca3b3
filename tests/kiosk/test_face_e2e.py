"""The face check in the real Kivy app, offscreen: card → face → item; a stranger's face three
times → staff PIN (wrong once, then right); 长辈模式. The identify screen: an expired card
refused, the help for residents without a usable card, and the identify and face screens fit
in portrait and landscape, normal and 长辈模式. Screenshots are checked for content."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from devices.idcard.simulated import load_residents
from kiosk.devtools.demo import DEMO_STAFF_PIN
from tests.kiosk.test_app_e2e import assert_not_blank, run_app, write_config

CAMERA = '[devices.camera]\nbackend = "simulated"\n'
#: The sandbox's 江城区 hall (sandbox/seed.py), as the staffed hall of these terminals.
HALL = "HALL-JC"


def run_face(tmp_path: Path, platform: Any, script: str, *extra: str,
             orientation: str = "portrait", camera: str = CAMERA) -> tuple[dict[str, Any], str]:
    cfg = tmp_path / "kiosk.toml"
    write_config(cfg, platform, tmp_path / "slips", orientation=orientation, extra=camera)
    # Only the hash of the staff PIN is configured, as on a real terminal.
    digest = hashlib.sha256(DEMO_STAFF_PIN.encode()).hexdigest()
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(
        "[terminal]\n", f'[terminal]\nstaff_pin_sha256 = "{digest}"\nstaffed_hall = "{HALL}"\n',
        1), encoding="utf-8")
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
    assert facts["demo_pin_hint"] is True
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


def hall(platform: Any) -> dict[str, str]:
    import requests
    r = requests.get(f"{platform.url}/v1/halls",
                     headers={"Authorization": f"Bearer {platform.token}"}, timeout=10)
    return next(h for h in r.json()["halls"] if h["id"] == HALL)


@pytest.mark.kivy
def test_an_expired_card_is_refused_on_the_identify_screen_and_the_resident_stays(
        tmp_path: Path, shared_platform: Any) -> None:
    person = load_residents()[3]  # 陈思雨: her card ended on 2026-07-09
    assert person.valid_until is not None and person.valid_until.isoformat() == "2026-07-09"
    # A terminal with the ID reader only: no camera, no social-security reader.
    result, logs = run_face(tmp_path, shared_platform, "identify_expired", camera="")
    facts = result["facts"]
    message = facts["message"]
    assert "身份证已过有效期" in message and "公安户籍窗口" in message
    assert facts["still_identify"] is True and facts["identity"] == "None"
    assert facts["message_after"] == message and facts["clipped"] == []
    # Only what this terminal has: no 社保卡 or 手机扫码 offered, nothing "coming".
    for labels in (facts["labels_before"], facts["labels"]):
        assert not any("即将开放" in t or t in ("社保卡", "手机扫码") for t in labels), labels
    # 没带证件或读不出？: the hotline and the staffed hall with its hours, no app login here.
    help_text, staffed = facts["help_text"], hall(shared_platform)
    assert "12345" in help_text and staffed["name"] in help_text
    assert staffed["hours"] in help_text and "扫码" not in help_text
    assert facts["help_clipped"] == []
    shot = result["shots"][0]
    assert Path(shot).name == "20-identify-expired.png"
    assert_not_blank(shot)
    with Image.open(shot) as img:
        # The refusal is drawn in the accent colour (kiosk/theme.py, normal mode).
        colours = img.convert("RGB").getcolors(maxcolors=1_000_000) or []
    accent = sum(n for n, (r, g, b) in colours if r > 180 and 20 < g < 90 and b < 80)
    assert accent > 200, "the refusal is not on the screenshot"
    for secret in (person.name, person.id_number):
        assert secret not in logs


@pytest.mark.kivy
@pytest.mark.parametrize("orientation", ["portrait", "landscape"])
@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_identify_and_face_screens_fit_with_their_headings(
        tmp_path: Path, shared_platform: Any, orientation: str, elderly: bool) -> None:
    result, _logs = run_face(tmp_path, shared_platform, "identify_layout",
                             *(["--elderly"] if elderly else []), orientation=orientation)
    facts = result["facts"]
    assert facts["identify_heading"] is True and facts["face_heading"] is True
    for screen in ("identify", "help", "face", "pin"):
        assert facts[f"{screen}_clipped"] == [], (screen, facts[f"{screen}_clipped"])
    assert "请出示身份证" in facts["identify_labels"]
    # The demo terminal has a camera: the app login is offered, and explained in the help.
    assert facts["ways"] == ["id_card", "app"] and "扫码登录" in facts["help_text"]
    assert facts["min_target_dp"] >= 60
    for shot in result["shots"]:
        assert_not_blank(shot)
        with Image.open(shot) as img:
            wide = img.width > img.height
        assert wide is (orientation == "landscape"), shot
