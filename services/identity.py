"""IdentityService: the platform side of the face check (POST /v1/identity/face-verify)."""

from __future__ import annotations

import base64

from .client import PlatformClient
from .schemas import (API_PREFIX, AppIdentity, AppLoginRequest, FaceVerifyRequest,
                      FaceVerifyResult)


class IdentityService:
    """The platform backend of face verification: the terminal sends the live picture (and
    the card photo as a fallback reference); the platform decides against its own record.

    Images are JPEG/PNG bytes; they go over HTTPS only and are never logged here.
    """

    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    name = "platform"

    def face_verify(self, id_number: str, live_jpeg: bytes, idempotency_key: str,
                    card_photo: bytes | None = None) -> FaceVerifyResult:
        """Raises NotFound (no reference photo on the platform and none sent), Rejected (an
        image without a face or not an image; `problem_type` tells which), or
        PlatformUnavailable. A verification stores nothing, so a retry is harmless."""
        request = FaceVerifyRequest(
            id_number=id_number,
            live_image=base64.b64encode(live_jpeg).decode("ascii"),
            card_photo=base64.b64encode(card_photo).decode("ascii") if card_photo else None)
        return self._client.post(f"{API_PREFIX}/identity/face-verify", request,
                                 FaceVerifyResult, idempotency_key)

    def app_login(self, token: str, idempotency_key: str) -> AppIdentity:
        """Redeem the token of a mobile-app login code; NotFound when invalid, used or expired.
        The token is a credential: it is sent, never logged."""
        return self._client.post(f"{API_PREFIX}/identity/app-login", AppLoginRequest(token=token),
                                 AppIdentity, idempotency_key)
