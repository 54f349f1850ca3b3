"""Face verification backends for the face check: the platform (by ID number) or dlib locally.

Each turns its backend's answers into the two outcomes the flow cares about besides a yes/no:
FaceCheckUnavailable (no reference, platform down, backend missing → staff assistance) and
FaceNotSeen (no face in the picture → one failed try). Images are never logged or stored.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Protocol

from devices.base import DeviceError
from devices.camera.base import BadImage, Frame, decode_image, encode_jpeg
from devices.camera.verify import FaceNotFound, FaceVerifier
from devices.idcard.base import IdentityDocument
from devices.idcard.wlt import photo_format
from services.errors import NotFound, PlatformError, Rejected
from services.schemas import PROBLEM_FACE_NOT_FOUND, FaceVerifyResult

from .face_check import FaceCheckUnavailable, FaceNotSeen, FaceVerifyPort


class FaceVerifyApi(Protocol):
    def face_verify(self, id_number: str, live_jpeg: bytes, idempotency_key: str,
                    card_photo: bytes | None = None) -> FaceVerifyResult: ...


class PlatformFaceVerifier:
    """The platform decides against its own record (services.identity.IdentityService)."""

    name = "platform"

    def __init__(self, api: FaceVerifyApi,
                 new_key: Callable[[], str] = lambda: str(uuid.uuid4())) -> None:
        self._api = api
        self._new_key = new_key

    def verify_face(self, identity: IdentityDocument, live: Frame) -> bool:
        # The card photo helps only when it is already an image (WLT needs a vendor decoder).
        photo = identity.photo if photo_format(identity.photo) in ("jpeg", "png") else None
        try:
            result = self._api.face_verify(identity.id_number, encode_jpeg(live),
                                           self._new_key(), card_photo=photo)
        except NotFound:
            raise FaceCheckUnavailable("no-reference") from None
        except Rejected as exc:
            if exc.problem_type == PROBLEM_FACE_NOT_FOUND:
                raise FaceNotSeen() from None
            raise FaceCheckUnavailable("platform-down") from None
        except PlatformError:
            raise FaceCheckUnavailable("platform-down") from None
        return bool(result.match)


class CardPhotoFaceVerifier:
    """On the terminal (dlib, devices.camera.verify) against the photo read from the card;
    needs a decoded photo (a GA 467 reader gives WLT, which needs the vendor's decoder)."""

    name = "local"

    def __init__(self, verifier: FaceVerifier) -> None:
        self._verifier = verifier

    def verify_face(self, identity: IdentityDocument, live: Frame) -> bool:
        if photo_format(identity.photo) not in ("jpeg", "png", "bmp"):
            raise FaceCheckUnavailable("no-reference")
        try:
            reference = decode_image(identity.photo or b"")
            return self._verifier.verify(live, reference).match
        except FaceNotFound:
            raise FaceNotSeen() from None
        except BadImage:
            raise FaceCheckUnavailable("no-reference") from None
        except DeviceError:  # DeviceUnusable: dlib not installed on this terminal
            raise FaceCheckUnavailable("verifier-down") from None


class AutoFaceVerifier:
    """Local when the card carries a usable photo and dlib is here, else the platform."""

    name = "auto"

    def __init__(self, local: FaceVerifyPort | None, platform: FaceVerifyPort) -> None:
        self._local = local
        self._platform = platform

    def verify_face(self, identity: IdentityDocument, live: Frame) -> bool:
        if self._local is not None and photo_format(identity.photo) in ("jpeg", "png", "bmp"):
            return self._local.verify_face(identity, live)
        return self._platform.verify_face(identity, live)


def make_verifier(backend: str, platform: FaceVerifyApi,
                  local: FaceVerifier | None = None) -> FaceVerifyPort:
    """The configured backend: "platform", "local" (needs `local`) or "auto" (local when the
    card gives a photo and `local` is given, else the platform)."""
    if backend == "platform":
        return PlatformFaceVerifier(platform)
    card = CardPhotoFaceVerifier(local) if local is not None else None
    if backend == "local":
        if card is None:
            raise ValueError("the local backend needs a local verifier (dlib)")
        return card
    if backend == "auto":
        return AutoFaceVerifier(card, PlatformFaceVerifier(platform))
    raise ValueError(f"unknown face verification backend {backend!r}")
