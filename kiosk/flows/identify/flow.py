"""IdentifyFlow: every way in read at once, errors in the resident's words, then the face check.

All readers (ID card, social-security card, the camera's app code) are read on worker
threads; the first person found wins and the others stop. A card past its validity (on the
injected clock, China time) is refused with what to do. A card read goes through the face
check when the terminal has one; an app login does not (the app verified the person). The
screens render `state` and `ways` and forward taps; listeners hear of every change (from any
thread). Every message names only the ways this terminal has and that work now.
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from devices.base import (CardRemoved, DeviceError, DeviceOffline, DeviceState, DeviceUnusable,
                          NoCard)
from devices.camera.qr import NoQrCode, QrDecoderCrashed, QrPayloadExpired, QrPayloadMalformed
from devices.idcard.base import IdentityDocument
from services.errors import PlatformError
from services.schemas import CHINA_TZ

from kiosk.identity import ResidentIdentity, VerifiedBy, resident_from_card
from kiosk.texts import text

from . import ways as wording
from .face_session import FaceSession
from .sources import Source
from .ways import StaffedHall, Way, ordered

log = logging.getLogger(__name__)

#: Seconds before a source is read again after each outcome (a message stays readable).
RETRY_AFTER = {"no_card": 0.5, "removed": 0.5, "failed": 0.5, "expired": 3.0, "qr_expired": 3.0,
               "qr_foreign": 3.0, "qr_refused": 3.0, "qr_unreadable": 0.5, "reader_down": 5.0,
               "camera_down": 5.0}


class IdentifyStep(enum.Enum):
    READ = "read"
    FACE = "face"
    DONE = "done"


@dataclass(frozen=True)
class ReadState:
    """What the identify screen shows: the resident's message and whether we still wait."""

    message: str
    waiting: bool


class IdentifyFlow:
    """One resident identifying. `start()` reads; `stop()` ends every read at once."""

    def __init__(self, sources: Mapping[Way, Source], *, timeout: float,
                 face: Callable[[IdentityDocument], FaceSession] | None,
                 clock: Callable[[], datetime],
                 staffed_hall: Callable[[], StaffedHall | None] = lambda: None) -> None:
        self._sources = dict(sources)
        self._timeout = timeout
        self._clock = clock
        self._staffed_hall = staffed_hall
        self._down: set[Way] = set()  # ways whose device failed its last read
        self._make_face = face
        self._lock = threading.Lock()
        self._generation = 0
        self._wake = threading.Event()
        self._listeners: list[Callable[[], None]] = []
        self.step = IdentifyStep.READ
        self.state = ReadState(text("identify.waiting"), True)
        self.face: FaceSession | None = None
        self.identity: ResidentIdentity | None = None

    # -- listeners --------------------------------------------------------------------------
    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` (from any thread) on every change; returns the unsubscribe."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    def _changed(self) -> None:
        for callback in list(self._listeners):
            callback()

    # -- the ways in ------------------------------------------------------------------------
    @property
    def ways(self) -> list[Way]:
        """The ways in that work now, in the order they are offered."""
        return ordered([w for w in self._sources if w not in self._down])

    def help_text(self) -> str:
        """没带证件或读不出？ in this terminal's terms. Looks the staffed hall up in the
        platform's (cached) catalogue: call it off the main thread."""
        return wording.help_text(self.ways, self._staffed_hall())

    def _today(self) -> date:
        now = self._clock()
        return (now.astimezone(CHINA_TZ) if now.tzinfo is not None else now).date()

    # -- reading ----------------------------------------------------------------------------
    def start(self) -> None:
        with self._lock:
            if self.step is not IdentifyStep.READ:
                return
            self._generation += 1
            generation = self._generation
            self._wake = threading.Event()
            self.state = ReadState(text("identify.waiting"), True)
        for way, source in self._sources.items():
            threading.Thread(target=self._read_loop, args=(way, source, generation, self._wake),
                             daemon=True, name="identify-read").start()

    def stop(self) -> None:
        """Stop every read now (the screen was left, or someone was found)."""
        with self._lock:
            self._generation += 1
            self._wake.set()
        for source in self._sources.values():
            cancel = getattr(source, "cancel", None)
            if cancel is not None:
                cancel()  # wake the blocked read so its thread ends now

    def _current(self, generation: int) -> bool:
        return generation == self._generation

    def _read_loop(self, way: Way, source: Source, generation: int,
                   wake: threading.Event) -> None:
        while self._current(generation):
            outcome, found, said = self._read_once(source)
            if not self._current(generation):
                return
            was_down = way in self._down
            if outcome in ("reader_down", "camera_down"):
                self._down.add(way)
            else:
                self._down.discard(way)
            if isinstance(found, IdentityDocument) and found.is_expired(self._today()):
                said = self._refused(found)
                outcome, found = "expired", None
            if found is not None:
                self._found(found, generation)
                return
            if outcome != "camera_down":  # the camera is one way among several: quiet retry
                with self._lock:
                    if self._current(generation):
                        self.state = ReadState(said or self._words(outcome, way), False)
                self._changed()
            elif not was_down:
                self._changed()  # the app way is no longer offered while the camera is down
            if wake.wait(RETRY_AFTER[outcome]):
                return
            if outcome in ("reader_down", "camera_down"):
                _reopen(source)

    def _refused(self, card: IdentityDocument) -> str:
        # Only the kind goes to the log: the card's dates and holder stay private.
        log.info("card refused: %s expired", card.kind)
        return wording.expired(card.kind, self.ways)

    def _words(self, outcome: str, way: Way) -> str:
        if outcome == "no_card":
            return wording.no_card(self.ways)
        if outcome == "reader_down":
            return wording.reader_down(way, self.ways)
        return text(f"identify.{outcome}")

    def _read_once(self, source: Source) -> tuple[str, IdentityDocument | ResidentIdentity | None,
                                                   str | None]:
        """(outcome, who was found, the platform's own words when it refused an app code)."""
        try:
            return "found", source.read(timeout=self._timeout), None
        except (NoCard, NoQrCode):
            return "no_card", None, None
        except CardRemoved:
            return "removed", None, None
        except QrPayloadExpired:
            return "qr_expired", None, None
        except QrPayloadMalformed:
            return "qr_foreign", None, None
        except QrDecoderCrashed as exc:
            # OpenCV died or hung in the decoder's own process, on one frame: to the resident
            # that is a code not read, shown again; the decoder has restarted already.
            log.warning("QR code not read: %s", exc.reason)
            return "qr_unreadable", None, None
        except PlatformError as exc:
            return "qr_refused", None, exc.message
        except (DeviceOffline, DeviceUnusable) as exc:
            log.warning("reader %s down: %s", type(source).__name__, exc.reason)
            down = "camera_down" if getattr(source, "is_camera", False) else "reader_down"
            return down, None, None
        except DeviceError as exc:
            log.warning("card read failed: %s", exc.reason)
            return "failed", None, None

    def _found(self, who: IdentityDocument | ResidentIdentity, generation: int) -> None:
        with self._lock:
            if not self._current(generation) or self.step is not IdentifyStep.READ:
                return
        self.stop()
        with self._lock:
            self.state = ReadState("", False)
            if isinstance(who, ResidentIdentity):  # the app login: verified by the app
                self._done(who)
            elif self._make_face is not None:
                self.face = self._make_face(who)
                self.step = IdentifyStep.FACE
            else:
                self._done(resident_from_card(who, "card"))
        self._changed()

    # -- after the face check ---------------------------------------------------------------
    def face_confirmed(self, how: VerifiedBy) -> None:
        """The face passed ("face") or staff confirmed the person ("staff")."""
        face = self.face
        if face is None or self.step is not IdentifyStep.FACE or face.document is None:
            return
        self._done(resident_from_card(face.document, how))
        face.wipe()
        self._changed()

    def _done(self, identity: ResidentIdentity) -> None:
        self.identity = identity
        self.step = IdentifyStep.DONE

    def wipe(self) -> None:
        self.stop()
        if self.face is not None:
            self.face.wipe()
        self.face = None
        self.identity = None
        self.state = ReadState("", False)
        self._listeners.clear()


def _reopen(source: Source) -> None:
    """A reader that is back (replugged, pcscd restarted) is used without restarting the app."""
    if source.status().state in (DeviceState.OFFLINE, DeviceState.ERROR):
        try:
            source.open()
        except DeviceError as exc:
            log.info("reader still down: %s", exc.reason)
