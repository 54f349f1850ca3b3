"""Demo-only helpers that play the resident's side of a simulated device (the phone's QR code)."""

from __future__ import annotations

import io
from typing import Any

import requests
import segno

from devices.camera.base import decode_image


def show_app_login_code(platform_url: str, token: str, camera: Any, person: Any) -> None:
    """Get a login code from the sandbox as the mobile app would, and queue it on the camera."""
    r = requests.post(f"{platform_url}/sandbox/app-login-codes", timeout=10,
                      headers={"Authorization": f"Bearer {token}"},
                      json={"resident": {"id_number": person.id_number, "name": person.name,
                                         "phone": person.phone or "13800138000"}})
    r.raise_for_status()
    code = segno.make(r.json()["payload"], error="m")
    frames = []
    # At a few sizes, as a hand-held phone moves: OpenCV misses a rare code at one exact size.
    for scale in (8, 7, 9, 6, 10):
        png = io.BytesIO()
        code.save(png, kind="png", scale=scale, border=4)
        frames.append(decode_image(png.getvalue()))
    camera.queue_frames(frames * 2)
