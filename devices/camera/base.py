"""The camera interface, its typed errors and the small helpers every backend shares."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

from devices.base import Device, DeviceError
from devices import events
from devices.events import Listener, Subscription

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

#: A BGR image, height × width × 3, uint8 (OpenCV's layout). numpy is imported where frames
#: are made: a terminal starts without it (issue 11).
Frame: TypeAlias = "npt.NDArray[np.uint8]"


class CameraBusy(DeviceError):
    """Another user (this process or another program) holds the camera."""

    default_reason = "busy"


class BadImage(DeviceError):
    """An image that cannot be decoded or is not a usable picture (empty, wrong shape)."""

    default_reason = "bad-image"


@runtime_checkable
class Camera(Device, Protocol):
    """A source of frames. Frames are personal data: never log or keep them past the session."""

    def read(self, timeout: float = 2.0) -> Frame:
        """The next frame. Raises DeviceOffline (not open / gone), DeviceTimeout (no frame in
        `timeout` seconds or end of a file), CameraBusy (another read is in progress)."""
        ...

    def diagnostics(self) -> dict[str, Any]: ...

    def subscribe(self, listener: Listener) -> Subscription:
        """camera-online / camera-offline events, on the camera's event thread."""
        ...


class StatusEvents(events.StatusEvents):
    """camera-online / camera-offline from a camera's status changes (never one per frame)."""

    def __init__(self, source: str, name: str = "camera-events") -> None:
        super().__init__(source, online="camera-online", offline="camera-offline", name=name)


def as_frame(image: Any) -> Frame:
    """Check that `image` is a usable BGR frame (grey is converted); else BadImage."""
    import cv2
    import numpy as np
    if not isinstance(image, np.ndarray) or image.size == 0:
        raise BadImage("not an image")
    if image.dtype != np.uint8:
        raise BadImage(f"image must be 8-bit, got {image.dtype}")
    if image.ndim == 2:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_GRAY2BGR))
    if image.ndim == 3 and image.shape[2] == 3:
        return image
    if image.ndim == 3 and image.shape[2] == 4:
        return np.ascontiguousarray(cv2.cvtColor(image, cv2.COLOR_BGRA2BGR))
    raise BadImage(f"unexpected image shape {image.shape}")


def decode_image(data: bytes) -> Frame:
    """JPEG/PNG/BMP bytes to a BGR frame; BadImage for anything else."""
    import cv2
    import numpy as np
    if not data:
        raise BadImage("empty image")
    buf = np.frombuffer(data, dtype=np.uint8)
    try:
        image = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    except cv2.error:
        image = None
    if image is None:
        raise BadImage("the bytes are not a JPEG, PNG or BMP image")
    return as_frame(image)


def encode_jpeg(frame: Frame, quality: int = 90) -> bytes:
    import cv2
    ok, buf = cv2.imencode(".jpg", as_frame(frame), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise BadImage("could not encode JPEG")
    return bytes(buf.tobytes())


def redact_source(source: int | str) -> str:
    """A camera source fit for logs: URLs lose their user:password@ part and query."""
    if isinstance(source, int):
        return f"device {source}"
    text = re.sub(r"//[^/@]*@", "//***@", source)
    return text.split("?", 1)[0]
