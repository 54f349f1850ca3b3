"""Mobile-app QR login: a code on video read by the real OpenCV camera, redeemed by the sandbox;
a crash of the QR decoder is one more “show the code again”."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import requests

from devices.camera.opencv import OpenCVCamera
from devices.camera.qr import QrPayloadExpired, decode_qr
from devices.camera.qr_worker import IsolatedQrDecoder
from devices.camera.simulated import simulated_camera
from devices.idcard.simulated import load_residents
from kiosk.flows.identify.app_login import login_with_app_code
from kiosk.flows.identify.flow import IdentifyFlow, IdentifyStep
from kiosk.flows.identify.sources import AppCodeSource
from kiosk.texts import text
from services.client import PlatformClient
from services.errors import NotFound
from services.identity import IdentityService
from tests.devices.camera.crashing_qr import ABORT, decode_or_crash, marked
from tests.devices.camera.media import qr_frame, write_video
from tests.flows.test_identify_flow import TIMEOUT, TODAY, wait_for


def issue_code(platform: Any, person: Any, ttl: int = 300) -> str:
    r = requests.post(platform.url + "/sandbox/app-login-codes", timeout=10,
                      headers={"Authorization": f"Bearer {platform.token}"},
                      json={"resident": {"id_number": person.id_number, "name": person.name,
                                         "phone": person.phone or "13800138000"},
                            "ttl_seconds": ttl})
    r.raise_for_status()
    return str(r.json()["payload"])


def video_with_code(tmp_path: Path, payload: str) -> str:
    blank = np.full_like(qr_frame(payload), 255)
    # A hand-held phone: the code a little nearer or farther in each frame. (OpenCV cannot
    # read about one random code in 200 at one exact size; a real camera never holds still.)
    held = [qr_frame(payload, size) for size in (260, 244, 276, 252, 268)]
    return str(write_video(tmp_path / "qr.avi", [blank] * 3 + held))


def test_app_code_identifies_the_resident_once(tmp_path: Path, fresh_platform: Any) -> None:
    person = load_residents()[2]
    payload = issue_code(fresh_platform, person)
    client = PlatformClient(fresh_platform.url, fresh_platform.token)
    identity_service = IdentityService(client)
    camera = OpenCVCamera(video_with_code(tmp_path, payload))
    camera.open()
    try:
        with IsolatedQrDecoder() as decoder:  # as the app decodes: in a process of its own
            who = login_with_app_code(camera, identity_service, timeout=20, decode=decoder)
    finally:
        camera.close()
    assert who.kind == "app_qr" and who.name == person.name
    assert who.id_number == person.id_number and who.birth_date == person.birth_date
    token = payload.split(":")[1]
    with pytest.raises(NotFound) as used:
        identity_service.app_login(token, "second-use")
    assert "刷新" in used.value.message
    log = Path(fresh_platform.log_path).read_text(encoding="utf-8", errors="replace")
    assert token not in log and person.id_number not in log
    client.close()


def test_expired_code_is_refused_at_the_terminal(tmp_path: Path, fresh_platform: Any) -> None:
    person = load_residents()[0]
    payload = issue_code(fresh_platform, person, ttl=1)
    time.sleep(1.5)
    camera = OpenCVCamera(video_with_code(tmp_path, payload))
    camera.open()
    try:
        with pytest.raises(QrPayloadExpired):
            login_with_app_code(camera, IdentityService(PlatformClient(
                fresh_platform.url, fresh_platform.token)), timeout=20, decode=decode_qr)
    finally:
        camera.close()


def test_a_decoder_crash_asks_for_the_code_again_and_the_terminal_carries_on(
        fresh_platform: Any) -> None:
    person = load_residents()[1]
    payload = issue_code(fresh_platform, person)
    client = PlatformClient(fresh_platform.url, fresh_platform.token)
    camera, control = simulated_camera(frames=[np.full((480, 640, 3), 120, np.uint8)])
    camera.open()
    # The first frame kills the decoder's process, as OpenCV's double free did in the fuzzing.
    control.queue_frames([marked(ABORT)])
    with IsolatedQrDecoder(decode_or_crash) as decoder:
        source = AppCodeSource(camera, IdentityService(client), decoder)
        flow = IdentifyFlow({"app": source}, timeout=TIMEOUT, face=None, clock=TODAY)
        flow.start()
        wait_for(lambda: flow.state.message == text("identify.qr_unreadable"),
                 "the resident asked to show the code again", seconds=30)
        assert flow.step is IdentifyStep.READ
        control.queue_frames([qr_frame(payload)] * 3)
        wait_for(lambda: flow.step is IdentifyStep.DONE, "logged in with the code shown again",
                 seconds=30)
        assert flow.identity is not None and flow.identity.name == person.name
        assert decoder.restarts == 1
        flow.wipe()
    client.close()
