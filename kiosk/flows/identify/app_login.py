"""Identify with the mobile app's QR login code: the camera reads it, the platform redeems it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Protocol
from collections.abc import Callable

from devices.camera.base import Camera, Frame
from devices.camera.qr import scan_login_code
from services.schemas import AppIdentity

from kiosk.identity import ResidentIdentity


class AppLoginPort(Protocol):
    def app_login(self, token: str, idempotency_key: str) -> AppIdentity: ...


def identity_from_app(who: AppIdentity) -> ResidentIdentity:
    """The resident the platform vouched for; the app already verified the person."""
    n = who.id_number
    try:
        born: date | None = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        born = None  # a foreign or unusual number: the platform vouched for the person
    return ResidentIdentity(kind="app_qr", name=who.name, id_number=n, phone=who.phone,
                            birth_date=born, verified_by="app")


def login_with_app_code(camera: Camera, platform: AppLoginPort, timeout: float,
                        new_key: Callable[[], str] = lambda: str(uuid.uuid4()), *,
                        decode: Callable[[Frame], list[str]]) -> ResidentIdentity:
    """Wait for a login code in front of the camera and redeem it. `decode` reads the frames:
    the app's IsolatedQrDecoder (devices/camera/qr_worker.py), so that a crash in OpenCV costs
    one frame, not the terminal.

    Raises the camera's typed errors (NoQrCode, QrPayloadExpired, QrPayloadMalformed,
    QrDecoderCrashed, DeviceOffline...) and the platform's (NotFound for a used or expired
    code).
    """
    code = scan_login_code(camera, timeout, decode=decode)
    return identity_from_app(platform.app_login(code.token, new_key()))
