"""Staff assistance instead of the face check: a staff member enters the staff PIN, confirming
they compared the resident with the card by eye. Biometrics are never the only way in.

Only a SHA-256 of the PIN is configured (`terminal.staff_pin_sha256`); tries are limited per
resident, and per terminal over time (`PinGuard`: placing the card again starts a new resident,
not a new count), so that the PIN cannot be guessed at the screen. No Kivy here.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import threading
from dataclasses import dataclass
from typing import Literal

from kiosk.texts import text

from .pin_guard import PinGuard

Outcome = Literal["approved", "wrong", "locked", "not-configured", "bad-input"]

#: Each outcome's words in kiosk.texts (the PIN pad of the face screen says the same).
KEYS: dict[Outcome, str] = {
    "approved": "staff.approved",
    "wrong": "staff.wrong",
    "locked": "staff.locked_out",
    "not-configured": "staff.not_configured",
    "bad-input": "staff.bad_input",
}
#: The same as the words themselves (a view of kiosk.texts).
MESSAGES: dict[Outcome, str] = {outcome: text(key) for outcome, key in KEYS.items()}

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def pin_hash(pin: str) -> str:
    """What goes into the config: `python -c "import hashlib;print(hashlib.sha256(b'1234')..."`."""
    return hashlib.sha256(pin.encode("utf-8")).hexdigest()


def valid_pin_hash(value: str) -> bool:
    return bool(_HEX64.match(value))


@dataclass(frozen=True)
class StaffResult:
    outcome: Outcome
    message: str
    tries_left: int

    @property
    def approved(self) -> bool:
        return self.outcome == "approved"


class StaffCheck:
    """One resident's staff confirmation; a new resident gets a new StaffCheck."""

    def __init__(self, pin_sha256: str | None, max_tries: int = 3,
                 guard: PinGuard | None = None) -> None:
        if max_tries < 1:
            raise ValueError("max_tries must be at least 1")
        self._hash = pin_sha256.lower() if pin_sha256 and valid_pin_hash(pin_sha256.lower()) \
            else None
        self.max_tries = max_tries
        self._guard = guard
        self._wrong = 0
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return self._hash is not None

    @property
    def tries_left(self) -> int:
        if self._guard is not None and self._guard.locked_until() is not None:
            return 0
        with self._lock:
            return max(0, self.max_tries - self._wrong)

    def locked_message(self) -> str:
        """Why entry is closed: this terminal's lock (with when it opens) or this resident's."""
        until = self._guard.locked_until() if self._guard is not None else None
        return text("staff.terminal_locked", until=until) if until is not None \
            else text("staff.locked_out")

    def check(self, pin: str) -> StaffResult:
        with self._lock:
            left = max(0, self.max_tries - self._wrong)
            if self._hash is None:
                return StaffResult("not-configured", text("staff.not_configured"), 0)
            if left == 0 or (self._guard is not None and self._guard.locked_until()):
                # Locked means locked, even for the right PIN: it is not even compared.
                return StaffResult("locked", self.locked_message(), 0)
            if not (4 <= len(pin) <= 12 and pin.isascii() and pin.isdigit()):
                # A malformed entry is a typo, not a guess: it does not use up a try.
                return StaffResult("bad-input", text("staff.bad_input"), left)
            # compare_digest: the time taken says nothing about how much of the PIN was right.
            if hmac.compare_digest(pin_hash(pin), self._hash):
                if self._guard is not None:
                    self._guard.right()
                return StaffResult("approved", text("staff.approved"), left)
            self._wrong += 1
            left -= 1
            if self._guard is not None and self._guard.wrong() is not None:
                return StaffResult("locked", self.locked_message(), 0)
            if left == 0:
                return StaffResult("locked", text("staff.locked_out"), 0)
            return StaffResult("wrong", text("staff.wrong_tries_left", left=left), left)
