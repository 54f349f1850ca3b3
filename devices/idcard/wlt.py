"""The ID card's WLT-compressed photo: kept as bytes, decoded only by a vendor decoder hook."""

from __future__ import annotations

import threading
from collections.abc import Callable

from devices.base import DeviceError

# The WLT codec is proprietary (vendors ship it as a binary library): the project keeps the
# raw 1,024 bytes and lets a deployment plug in its decoder, e.g. a ctypes wrapper.
PhotoDecoder = Callable[[bytes], bytes]

_lock = threading.Lock()
_default: PhotoDecoder | None = None


class PhotoDecodeError(DeviceError):
    """The configured decoder rejected the photo or returned nothing usable."""

    default_reason = "photo-decode-failed"


def set_photo_decoder(decoder: PhotoDecoder | None) -> None:
    """Install (or with None remove) the process-wide WLT decoder."""
    global _default
    with _lock:
        _default = decoder


def photo_format(data: bytes | None) -> str:
    """"wlt", "bmp", "jpeg", "png" or "unknown": what a document's `photo` bytes hold."""
    if not data:
        return "unknown"
    if data.startswith(b"BM"):
        return "bmp"
    if data.startswith(b"\xff\xd8"):
        return "jpeg"
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"WLT") or len(data) == 1024:
        return "wlt"
    return "unknown"


def decode_photo(wlt: bytes, decoder: PhotoDecoder | None = None) -> bytes:
    """The decoded image when a decoder is given or installed, else the WLT bytes unchanged."""
    with _lock:
        chosen = decoder or _default
    if chosen is None:
        return bytes(wlt)
    try:
        image = chosen(bytes(wlt))
    except Exception as exc:  # a vendor library can raise anything; it must not end the read
        raise PhotoDecodeError(f"photo decoder failed: {type(exc).__name__}") from None
    if not isinstance(image, (bytes, bytearray)) or not image:
        raise PhotoDecodeError("photo decoder returned no image")
    return bytes(image)
