"""Identify with the mobile app's QR login code: the camera reads it, the platform redeems it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Callable, Protocol

from devices.camera.base import Camera
from devices.camera.qr import scan_login_code
from devices.idcard.base import IdentityDocument
from devices.idcard.ga467_text import SEXES
from services.schemas import AppIdentity


class AppLoginPort(Protocol):
    def app_login(self, token: str, idempotency_key: str) -> AppIdentity: ...


def identity_from_app(who: AppIdentity) -> IdentityDocument:
    """The same shape as a card read, so every flow takes either; card-only facts stay empty."""
    n = who.id_number
    try:
        born = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
    except ValueError:
        born = date.min  # a foreign or unusual number: the platform vouched for the person
    # The card's own code table (GB/T 2261.1): an odd 17th digit is code 1.
    sex = SEXES["1" if int(n[16]) % 2 else "2"] if n[16:17].isdigit() else ""
    return IdentityDocument(kind="app_qr", name=who.name, id_number=n, sex=sex, nation="",
                            birth_date=born, address="", issuer="", valid_from=date.min,
                            valid_until=None, phone=who.phone)


def login_with_app_code(camera: Camera, platform: AppLoginPort, timeout: float,
                        new_key: Callable[[], str] = lambda: str(uuid.uuid4())
                        ) -> IdentityDocument:
    """Wait for a login code in front of the camera and redeem it.

    Raises the camera's typed errors (NoQrCode, QrPayloadExpired, QrPayloadMalformed,
    DeviceOffline...) and the platform's (NotFound for a used or expired code).
    """
    code = scan_login_code(camera, timeout)
    return identity_from_app(platform.app_login(code.token, new_key()))
