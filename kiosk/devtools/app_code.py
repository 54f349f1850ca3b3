"""The demo's phone: a login code from the sandbox, held up to the simulated camera."""

from __future__ import annotations

import io

import requests

from devices.camera.base import decode_image
from devices.camera.simulated import SimulatedCameraControl
from devices.idcard.base import IdentityDocument

from kiosk.printouts.qr import QUIET_ZONE, make_qr


def show_app_login_code(platform_url: str, token: str, camera: SimulatedCameraControl,
                        person: IdentityDocument) -> str:
    """Get a login code from the sandbox as the mobile app would, queue it on the camera, and
    return its payload."""
    r = requests.post(f"{platform_url}/sandbox/app-login-codes", timeout=10,
                      headers={"Authorization": f"Bearer {token}"},
                      json={"resident": {"id_number": person.id_number, "name": person.name,
                                         "phone": person.phone or "13800138000"}})
    r.raise_for_status()
    payload = str(r.json()["payload"])
    code = make_qr(payload)  # a full QR code, as the city's app shows
    frames = []
    # At a few sizes, as a hand-held phone moves: OpenCV misses a rare code at one exact size.
    for scale in (8, 7, 9, 6, 10):
        png = io.BytesIO()
        code.save(png, kind="png", scale=scale, border=QUIET_ZONE)
        frames.append(decode_image(png.getvalue()))
    camera.queue_frames(frames * 2)
    return payload
