"""Demo only: the resident's side of the face check on the simulated camera.

"本人" is scikit-image's astronaut, the face the sandbox seeds as every simulated resident's
reference photo (sandbox/face_seed.py); "他人" is a face from skimage's LFW subset. The frames
follow the screen's instruction (turn one way, then back), as a person would.
"""

from __future__ import annotations

import functools

import numpy as np

from devices.camera.simulated import SimulatedCameraControl

W, H = 640, 480
_ASTRONAUT_FACE = (177, 66, 95, 95)  # x, y, w, h in skimage's 512×512 astronaut


def available() -> bool:
    try:
        import skimage.data  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def _head(stranger: bool) -> np.ndarray:
    """The face, cut out and sized once per person: a press builds its clip on the UI thread."""
    import cv2
    from skimage import data
    if stranger:
        # LFW crops are 25×25 grey: enlarged, they need the grain a real sensor adds, or
        # they are too smooth for the sharpness check.
        face = cv2.resize((data.lfw_subset()[1] * 255).astype(np.uint8), (230, 230),
                          interpolation=cv2.INTER_CUBIC)
        head = cv2.cvtColor(face, cv2.COLOR_GRAY2BGR)
    else:
        x, y, w, h = _ASTRONAUT_FACE
        side = int(w * 2.6)
        cx, cy = x + w // 2, y + h // 2
        rgb = data.astronaut()[max(0, cy - side // 2):cy + side // 2,
                               max(0, cx - side // 2):cx + side // 2]
        size = int(H * 0.9)
        head = cv2.resize(np.ascontiguousarray(rgb[:, :, ::-1]), (size, size),
                          interpolation=cv2.INTER_AREA)
    head.setflags(write=False)  # shared by every frame of every clip
    return head


def frame(dx: int = 0, stranger: bool = False, seed: int = 0) -> np.ndarray:
    """A 640×480 camera frame with the head centred, shifted `dx` pixels."""
    head = _head(stranger)
    size = head.shape[0]
    out = np.full((H, W, 3), 128 if stranger else 200, np.uint8)
    left, top = (W - size) // 2 + dx, (H - size) // 2
    xs, xe = max(0, left), min(W, left + size)
    out[top:top + size, xs:xe] = head[:, xs - left:xe - left]
    grain = np.random.default_rng(seed).normal(0, 3.0, out.shape)
    return np.clip(out + grain, 0, 255).astype(np.uint8)


def turn_frames(challenge: str | None, stranger: bool = False,
                at_least: int = 0) -> list[np.ndarray]:
    """Steady frames, then the head moving as asked ("turn-left" = towards image x = 0) and
    back, then steady again (to `at_least` frames in all): about 2 s at 15 fps."""
    sign = -1 if challenge == "turn-left" else 1
    shifts = [0] * 6 + [sign * d for d in (15, 30, 45, 60, 75, 90, 90, 75, 60, 45, 30, 15)]
    shifts += [0] * max(6, at_least - len(shifts))
    return [frame(dx, stranger, seed=i) for i, dx in enumerate(shifts)]


def show_face(camera: SimulatedCameraControl, challenge: str | None,
              stranger: bool = False, frames_needed: int = 0) -> bool:
    """Queue the frames on the simulated camera's control handle; False without skimage.

    The person stays in front of the camera for `frames_needed` frames (the face check's
    frame budget), so a try never runs out of face before it is decided."""
    if not available():
        return False
    camera.clear_queue()
    camera.queue_frames(turn_frames(challenge, stranger, frames_needed))
    return True
