"""`kiosk demo`: the sandbox child process, the demo configuration, the demo's faces."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests

from devices.camera.face import Challenge
from devices.camera.qr import decode_qr, parse_login_payload
from devices.camera.simulated import placeholder_frame, simulated_camera
from devices.idcard.simulated import load_residents

from kiosk.config import parse_config
from kiosk.devtools.app_code import show_app_login_code
from kiosk.devtools.demo import DEMO_TOKEN, demo_config, sandbox_process
from kiosk.devtools.faces import show_face, turn_frames
from kiosk.flows.identify.face_check import FaceCheck, watch
from kiosk.texts import text
from tests.flows.test_face_check import platform as verifier
from tests.kiosk.test_face_e2e import CAMERA, run_face

#: Presses of one 模拟刷脸 button per test: the demo's face must answer the same every time.
PRESSES = 20


def test_demo_sandbox_serves_and_stops(tmp_path: Path) -> None:
    with sandbox_process(tmp_path / "sandbox.db", log_path=tmp_path / "sandbox.log") as url:
        assert requests.get(url + "/healthz", timeout=5).ok
        r = requests.get(url + "/v1/items", params={"q": "sbk"},
                         headers={"Authorization": f"Bearer {DEMO_TOKEN}"}, timeout=10)
        assert r.ok and r.json()["total"] > 0
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/healthz", timeout=2)


def test_demo_config_is_valid_and_simulated(tmp_path: Path) -> None:
    cfg = parse_config(demo_config("http://127.0.0.1:1", tmp_path))
    assert cfg.devices.idcard.backend == "simulated"
    assert cfg.devices.printer.backend == "simulated" and cfg.ui.demo
    cups = parse_config(demo_config("http://127.0.0.1:1", tmp_path, printer_queue="q"))
    assert cups.devices.printer.backend == "cups" and cups.devices.printer.queue == "q"


def test_demo_phone_code_is_read_by_the_apps_qr_reader(shared_platform: Any) -> None:
    """Every frame the dev panel's 模拟手机扫码 queues is decoded by the reader the identify
    flow uses into the sandbox's login payload."""
    person = load_residents()[-1]
    camera, control = simulated_camera(fps=0)
    camera.open()
    payload = show_app_login_code(shared_platform.url, shared_platform.token, control, person)
    assert payload.startswith("JHZW1:")
    seen = 0
    # Queued frames come first, then the camera's idle loop (the placeholder) again.
    while not np.array_equal(frame := camera.read(), placeholder_frame()):
        assert decode_qr(frame) == [payload], f"frame {seen} not read"
        seen += 1
    assert seen >= 5
    assert parse_login_payload(payload).token  # a valid login code, not yet expired


@pytest.mark.parametrize("challenge", ["turn-left", "turn-right"])
def test_the_demo_faces_decide_one_try_within_its_frame_budget(
        shared_platform: Any, challenge: Challenge) -> None:
    """The clip a 模拟刷脸 button queues, read by the face check from the simulated camera:
    本人 passes, 他人 turns as asked and is refused by the comparison, either way of turning."""
    for stranger, outcome, reason in ((False, "passed", ""), (True, "failed", "failed")):
        camera, control = simulated_camera(fps=0)
        camera.open()
        check = FaceCheck(load_residents()[0], verifier(shared_platform), choose=lambda: challenge)
        assert show_face(control, check.challenge, stranger, check.frame_budget)
        final = watch(camera, check, stop=lambda: False)
        assert (final.step, final.reason) == (outcome, reason)
        assert control.frames_read <= check.frame_budget
    # The person stays as long as the check may read, however long that is.
    assert len(turn_frames(challenge, at_least=40)) == 40


@contextmanager
def machine(load: str) -> Iterator[None]:
    """"busy": every core kept busy (`yes > /dev/null` on each) while the app runs."""
    hogs = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL)
            for _ in range(max(2, os.cpu_count() or 1) if load == "busy" else 0)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def press_faces(tmp_path: Path, platform: Any, presses: str, load: str,
                max_attempts: int = 3) -> list[dict[str, Any]]:
    """The demo's 模拟刷脸 buttons pressed in the real app, one try per letter (s = 本人,
    o = 他人); what the face screen showed at the end of each try."""
    camera = f"{CAMERA}[face_check]\nmax_attempts = {max_attempts}\n"
    with machine(load):
        result, _logs = run_face(tmp_path, platform, "face_presses", "--presses", presses,
                                 camera=camera)
    tries: list[dict[str, Any]] = result["facts"]["tries"]
    assert [t["who"] for t in tries] == list(presses)
    passed = sum(t["step"] == "passed" for t in tries)
    print(f"{load}: {passed} of {len(tries)} tries passed ({presses})")  # the measured rate
    return tries


def within_budget(tries: list[dict[str, Any]]) -> None:
    """Each try was decided on the frames of its own press, within the check's frame budget
    (one more: a frame being read when the button was pressed)."""
    for t in tries:
        assert t["frames"] <= t["budget"] + 1, t


# Idle here: the whole suite is also run with every core busy before a change lands, and
# press_faces(..., "busy") measures the rates under load when they are in question.
@pytest.mark.kivy
def test_the_residents_demo_face_passes_every_press(tmp_path: Path,
                                                    shared_platform: Any) -> None:
    tries = press_faces(tmp_path, shared_platform, "s" * PRESSES, "idle")
    failed = [t for t in tries if t["step"] != "passed"]
    assert not failed, f"{len(failed)} of {PRESSES} presses of 本人 failed: {failed}"
    assert {t["counter"] for t in tries} == {"第 1 次，共 3 次"}
    within_budget(tries)


@pytest.mark.kivy
def test_a_strangers_demo_face_fails_every_press(tmp_path: Path,
                                                 shared_platform: Any) -> None:
    per_card = 10  # tries per card read (face_check.max_attempts)
    strangers_pressed = per_card  # one card read's worth: the stranger has never passed
    tries = press_faces(tmp_path, shared_platform, "o" * strangers_pressed + "os", "idle",
                        max_attempts=per_card)
    strangers = tries[:strangers_pressed]
    last_stranger, resident = tries[strangers_pressed:]
    assert not [t for t in strangers if t["step"] == "passed"]
    # Turned away by the comparison itself, not by the liveness step; the last try of a card
    # read ends the check, and the counter names each try.
    rounds = strangers_pressed // per_card
    assert [t["message"] for t in strangers] == (
        [text("face.failed")] * (per_card - 1) + [text("face.too-many")]) * rounds
    assert [t["counter"] for t in strangers] == [
        f"第 {n} 次，共 {per_card} 次" for n in range(1, per_card + 1)] * rounds
    # A pass after a failed try names the try that passed.
    assert (last_stranger["step"], last_stranger["counter"]) == ("failed", "第 1 次，共 10 次")
    assert (resident["step"], resident["counter"]) == ("passed", "第 2 次，共 10 次")
    within_budget(tries)
