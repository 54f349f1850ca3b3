"""The face check after a card read: quality → liveness → verification, with a retry limit.

The screen feeds camera frames in (`feed`) on a worker thread and renders `FaceState`; when
liveness is proven it calls `verify` (blocking: a platform call or dlib) on a worker thread.
A face is never the only way in: a camera that is down, a platform without a reference photo
or too many failed tries all end in a state that offers staff assistance (staff_check.py).
No Kivy here, and nothing of the resident outlives `wipe()`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

from devices.base import DeviceError
from devices.camera.base import Camera, CameraBusy, Frame
from devices.camera.face import Challenge, check_liveness, check_quality
from devices.idcard.base import IdentityDocument

from kiosk.identity import ResidentIdentity
from kiosk.texts import TEXTS, text

log = logging.getLogger(__name__)

Step = Literal["looking", "adjust", "liveness", "verifying", "passed", "failed", "too-many",
               "unavailable"]

#: The preview is mirrored, so the resident's own right is the image's left (x → 0):
#: "turn-left" in image coordinates is "向右" in the words the resident hears
#: ("face.challenge.<challenge>" in kiosk.texts; this is a view of it).
CHALLENGE_WORDS: dict[Challenge, str] = {
    c: text(f"face.challenge.{c}") for c in get_args(Challenge)}
#: Steps and reasons that have words of their own ("face.<reason>" in kiosk.texts).
REASONS = ("looking", "verifying", "passed", "failed", "not-seen", "not-live", "too-many",
           "camera-down", "no-reference", "verifier-down", "platform-down")
MESSAGES: dict[str, str] = {r: text(f"face.{r}") for r in REASONS}


def _message(reason: str) -> str:
    """What the resident reads for a step or reason; an unnamed one asks to look again."""
    return text(f"face.{reason}" if reason in REASONS else "face.looking")


def _quality(reason: str) -> str:
    """The guidance for a face-quality reason code of devices.camera.face (the table has one
    per code; a code added there first reads as "look at the camera")."""
    key = f"face.quality.{reason}"
    return text(key if key in TEXTS else "face.looking")


def needs_face_check(identity: IdentityDocument | ResidentIdentity) -> bool:
    """Card reads are checked against the face; an app login was already verified by the app."""
    return identity.kind != "app_qr"


class FaceCheckUnavailable(Exception):
    """Verification cannot be done for this resident now; `reason` picks the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class FaceNotSeen(Exception):
    """The verifier found no face in the live picture: a failed try, not a mismatch."""


class FaceVerifyPort(Protocol):
    name: str

    def verify_face(self, identity: IdentityDocument, live: Frame) -> bool:
        """True = same person. Raises FaceCheckUnavailable or FaceNotSeen."""
        ...


@dataclass(frozen=True)
class FaceState:
    """What the screen shows: `step`, the resident's `message`, and the attempt counter."""

    step: Step
    message: str
    attempt: int
    max_attempts: int
    reason: str = ""
    challenge: Challenge | None = None

    @property
    def finished(self) -> bool:
        return self.step in ("passed", "too-many", "unavailable")

    @property
    def try_number(self) -> int:
        """The try the counter names: the one under way or just decided (a pass after one
        failed try is try 2; `attempt` counts only failed ones)."""
        if self.step in ("failed", "too-many"):
            return max(self.attempt, 1)
        return min(self.attempt + 1, self.max_attempts)

    @property
    def can_retry(self) -> bool:
        # A camera or platform that is back may be tried again; a missing reference may not.
        return self.step == "failed" or (self.step == "unavailable"
                                         and self.reason in ("camera-down", "platform-down"))


class FaceCheck:
    """One resident's face check. `feed` and `verify` may run on a worker thread; the state is
    read with `state` from any thread."""

    def __init__(self, identity: IdentityDocument, verifier: FaceVerifyPort | None, *,
                 max_attempts: int = 3, steady_frames: int = 2, liveness_frames: int = 8,
                 liveness_tries: int = 3,
                 choose: Callable[[], Challenge] = lambda: random.choice(
                     ["turn-left", "turn-right"])) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._identity: IdentityDocument | None = identity
        self._verifier = verifier
        self.max_attempts = max_attempts
        self._steady_needed = steady_frames
        self._window = liveness_frames
        self._liveness_tries = liveness_tries
        self._choose = choose
        self._lock = threading.Lock()
        self._attempt = 0
        self._steady = 0
        self._frames: list[Frame] = []
        self._best: Frame | None = None
        self._windows_seen = 0
        self._challenge: Challenge = choose()  # chosen ahead so a demo can play along
        self._state = FaceState("looking", _message("looking"), 0, max_attempts)
        if verifier is None:
            self._state = self._make("unavailable", "camera-down")

    @property
    def state(self) -> FaceState:
        with self._lock:
            return self._state

    @property
    def frame_budget(self) -> int:
        """The most frames a try reads once the face is good: the steady ones, then the liveness
        windows (each later one keeps half of the one before); by then it has ended."""
        later = self._window - self._window // 2
        # The last steady frame is also the first of the liveness window.
        return self._steady_needed + self._window - 1 + (self._liveness_tries - 1) * later

    @property
    def challenge(self) -> Challenge:
        """The movement the next liveness step will ask for."""
        with self._lock:
            return self._challenge

    @property
    def identity(self) -> IdentityDocument | None:
        return self._identity

    def _make(self, step: Step, reason: str = "", message: str | None = None,
              challenge: Challenge | None = None) -> FaceState:
        return FaceState(step, message or _message(reason or step),
                         self._attempt, self.max_attempts, reason, challenge)

    def camera_down(self) -> FaceState:
        """The camera is missing or stopped: never block, go straight to staff assistance."""
        with self._lock:
            self._drop_frames()
            # A final answer stays: a camera going away must not turn "too many tries" or
            # "no reference photo" into something that can be retried.
            if self._state.step not in ("passed", "too-many", "unavailable"):
                self._state = self._make("unavailable", "camera-down")
            return self._state

    def feed(self, frame: Frame) -> FaceState:
        """One camera frame: quality while looking, then frames for liveness."""
        with self._lock:
            step = self._state.step
        if step in ("looking", "adjust"):
            return self._feed_quality(frame)
        if step == "liveness":
            return self._feed_liveness(frame)
        return self.state

    def _feed_quality(self, frame: Frame) -> FaceState:
        quality = check_quality(frame)  # outside the lock: ~tens of ms of detection
        with self._lock:
            if self._state.step not in ("looking", "adjust"):
                return self._state
            if not quality.ok:
                self._steady = 0
                step: Step = "looking" if quality.reason == "no-face" else "adjust"
                self._state = self._make(step, quality.reason, _quality(quality.reason))
                return self._state
            self._steady += 1
            self._best = frame  # a frontal, sharp, centred picture: the one to verify
            if self._steady < self._steady_needed:
                self._state = self._make("adjust", "ok", _quality("ok"))
                return self._state
            challenge = self._challenge
            self._frames = [frame]
            self._windows_seen = 0
            self._state = self._make("liveness", "liveness",
                                     text(f"face.challenge.{challenge}"), challenge)
            return self._state

    def _feed_liveness(self, frame: Frame) -> FaceState:
        with self._lock:
            self._frames.append(frame)
            if len(self._frames) < self._window:
                return self._state
            frames, challenge = list(self._frames), self._state.challenge or "any"
        live = check_liveness(frames, challenge)
        with self._lock:
            if self._state.step != "liveness":
                return self._state
            if live.live:
                self._frames = []
                self._state = self._make("verifying")
                return self._state
            self._windows_seen += 1
            if self._windows_seen < self._liveness_tries:
                # Keep the second half: a turn that started late still counts.
                self._frames = self._frames[len(self._frames) // 2:]
                return self._state
            return self._fail("not-live")

    def verify(self) -> FaceState:
        """Compare the best picture with the reference. Blocking; call off the main thread."""
        with self._lock:
            if self._state.step != "verifying" or self._best is None or self._identity is None:
                return self._state
            live, identity = self._best, self._identity
        if self._verifier is None:
            return self.camera_down()
        try:
            same = self._verifier.verify_face(identity, live)
        except FaceCheckUnavailable as exc:
            return self._hand_to_staff(exc.reason)
        except FaceNotSeen:
            with self._lock:
                return self._fail("not-seen") if self._state.step == "verifying" \
                    else self._state
        except Exception as exc:  # noqa: BLE001 - a verifier bug must not strand the resident
            # Logged by type only (a message could carry image data); staff take over.
            log.error("face verifier failed: %s", type(exc).__name__)
            return self._hand_to_staff("verifier-down")
        with self._lock:
            if self._state.step != "verifying":
                return self._state  # wiped or left meanwhile
            if same:
                self._drop_frames()
                self._state = self._make("passed")
                return self._state
            return self._fail("failed")

    def _hand_to_staff(self, reason: str) -> FaceState:
        """Verification cannot run (not the resident's fault): no try used, staff offered."""
        with self._lock:
            if self._state.step == "verifying":
                self._drop_frames()
                self._state = self._make("unavailable", reason)
            return self._state

    def _fail(self, reason: str) -> FaceState:
        # Called with the lock held. Every failed try counts, whatever the cause.
        self._attempt += 1
        self._steady = 0
        self._frames = []
        self._best = None
        if self._attempt >= self.max_attempts:
            self._state = self._make("too-many")
        else:
            self._state = self._make("failed", reason)
        return self._state

    def retry(self) -> FaceState:
        """After a failed try, or once the camera or platform is back: look for the face again
        (the counter stays; a wiped check stays wiped)."""
        with self._lock:
            if self._state.can_retry and self._identity is not None \
                    and self._attempt < self.max_attempts:
                self._steady = 0
                self._challenge = self._choose()
                self._state = self._make("looking")
            return self._state

    def _drop_frames(self) -> None:
        self._frames = []
        self._best = None

    def wipe(self) -> None:
        """Forget every frame and the identity (session end)."""
        with self._lock:
            self._drop_frames()
            self._identity = None
            self._state = self._make("unavailable", "wiped", _message("looking"))


#: Seconds `watch` waits for one frame before the camera counts as down.
READ_TIMEOUT = 2.0


def watch(camera: Camera, check: FaceCheck, *, stop: Callable[[], bool],
          on_frame: Callable[[Frame, FaceState], None] = lambda _f, _s: None,
          read_timeout: float = READ_TIMEOUT) -> FaceState:
    """Read frames into `check` until a try ends (passed, failed, too many, unavailable) or
    `stop()` says the screen was left. Blocking: run on a worker thread. A camera that errs
    or goes quiet for `read_timeout` seconds ends in "unavailable" (staff), never a hang."""
    while not stop():
        try:
            frame = camera.read(read_timeout)
        except CameraBusy:
            time.sleep(0.05)  # our own preview read overlapping: try again shortly
            continue
        except DeviceError:
            return check.camera_down()
        state = check.feed(frame)
        on_frame(frame, state)
        if state.step == "verifying":
            state = check.verify()
            on_frame(frame, state)
        if state.step in ("passed", "failed", "too-many", "unavailable"):
            return state
    return check.state
