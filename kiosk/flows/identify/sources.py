"""Ways in: card readers and the camera's app login code, each read as one source."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

from devices.base import DeviceStatus
from devices.camera.base import Camera, Frame
from devices.camera.qr import NoQrCode
from devices.idcard.base import IdentityDocument

from kiosk.identity import ResidentIdentity

from .app_login import AppLoginPort, login_with_app_code


class Source(Protocol):
    """Something the resident can identify with; `read` blocks until it has someone."""

    def read(self, timeout: float) -> IdentityDocument | ResidentIdentity: ...

    def status(self) -> DeviceStatus: ...

    def open(self) -> None: ...


class AppCodeSource:
    """The camera as a way in: a mobile-app login code, redeemed by the platform. `decode` is
    the terminal's one IsolatedQrDecoder (its worker process outlives each resident)."""

    is_camera = True

    def __init__(self, camera: Camera, platform: AppLoginPort,
                 decode: Callable[[Frame], list[str]]) -> None:
        self._camera = camera
        self._platform = platform
        self._decode = decode
        self._round = 0

    def read(self, timeout: float) -> ResidentIdentity:
        # Short rounds; cancel() ends the scan at the next frame, so that the face check
        # after a card read has the camera to itself.
        # The scan reads frames only (read()), which is all _UntilCancelled offers.
        scan = cast(Camera, _UntilCancelled(self, self._round))
        return login_with_app_code(scan, self._platform, min(timeout, 10.0),
                                   decode=self._decode)

    def cancel(self) -> None:
        self._round += 1

    def status(self) -> DeviceStatus:
        return self._camera.status()

    def open(self) -> None:
        self._camera.open()

    def frame(self, timeout: float) -> Frame:
        return self._camera.read(timeout)

    @property
    def round(self) -> int:
        return self._round


class _UntilCancelled:
    """The camera as seen by one scan: reads stop (NoQrCode) once the source is cancelled."""

    def __init__(self, source: AppCodeSource, round_: int) -> None:
        self._source = source
        self._round = round_

    def read(self, timeout: float = 2.0) -> Frame:
        if self._source.round != self._round:
            raise NoQrCode("the identify screen was left")
        return self._source.frame(timeout)
