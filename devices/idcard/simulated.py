"""A simulated ID-card reader with residents from a JSON fixture, for the demo and development."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from devices.base import (DeviceError, DeviceOffline, DeviceState, DeviceStatus, DeviceUnusable,
                          NoCard)
from devices.idcard.base import IdentityDocument

_KINDS = ("id_card", "social_security_card")


def load_residents(residents_file: str | None = None) -> list[IdentityDocument]:
    """Parse a residents fixture; the packaged one (invented city 江汉市) by default."""
    try:
        if residents_file is None:
            text = resources.files("devices.idcard").joinpath("residents.json").read_text("utf-8")
        else:
            text = Path(residents_file).read_text(encoding="utf-8")
        raw = json.loads(text)
        entries = raw["residents"] if isinstance(raw, dict) else raw
        return [_document(entry) for entry in entries]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # Only the file and the kind of fault: the fixture holds (fictitious) personal data.
        where = residents_file or "devices/idcard/residents.json"
        raise DeviceUnusable(f"residents file {where} is unusable: {type(exc).__name__}",
                             reason="bad-config") from None


def _document(entry: dict[str, Any]) -> IdentityDocument:
    if entry["kind"] not in _KINDS:
        raise ValueError("unknown document kind")
    until = entry.get("valid_until")
    return IdentityDocument(
        kind=entry["kind"], name=str(entry["name"]), id_number=str(entry["id_number"]),
        sex=str(entry["sex"]), nation=str(entry.get("nation", "")),
        birth_date=date.fromisoformat(entry["birth_date"]), address=str(entry.get("address", "")),
        issuer=str(entry.get("issuer", "")), valid_from=date.fromisoformat(entry["valid_from"]),
        valid_until=date.fromisoformat(until) if until else None,
        phone=entry.get("phone"), photo=None)


class SimulatedIdCardReader:
    """Behaves like a real reader: `read()` blocks until a card is presented.

    A card is returned once per presentation; it must be removed and presented again before
    another read returns it (real readers only report a newly placed card). Thread-safe: the
    kiosk reads on a worker thread while the demo UI calls `present()` on the main thread.
    """

    capabilities: frozenset[str] = frozenset({"id_card", "social_security_card", "simulated"})

    def __init__(self, residents_file: str | None = None) -> None:
        self._residents = load_residents(residents_file)
        self._cond = threading.Condition()
        self._card: int | None = None
        self._consumed = False
        self._fail: DeviceError | None = None
        self._closed = False
        self._cancelled = 0
        self._reading = False

    @classmethod
    def is_usable(cls) -> bool:
        return True

    def open(self) -> None:
        with self._cond:
            self._closed = False

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def status(self) -> DeviceStatus:
        with self._cond:
            if self._closed:
                return DeviceStatus(DeviceState.OFFLINE, "closed")
            if self._reading:
                return DeviceStatus(DeviceState.BUSY, "reading")
            if self._card is None:
                return DeviceStatus(DeviceState.NO_MEDIA, "no-card")
            return DeviceStatus(DeviceState.ONLINE)

    # -- the simulated hardware -----------------------------------------------------------
    def residents(self) -> list[IdentityDocument]:
        return list(self._residents)

    def present(self, index: int) -> None:
        """Place resident `index`'s card on the reader (replacing any card there)."""
        if not 0 <= index < len(self._residents):
            raise DeviceError(f"no simulated resident #{index}", reason="no-such-card")
        with self._cond:
            self._card = index
            self._consumed = False
            self._cond.notify_all()

    def remove(self) -> None:
        with self._cond:
            self._card = None
            self._consumed = False
            self._cond.notify_all()

    def fail_next(self, error: DeviceError) -> None:
        """Make the next `read()` raise `error` (e.g. CardRemoved, DeviceOffline)."""
        with self._cond:
            self._fail = error
            self._cond.notify_all()

    def cancel(self) -> None:
        """Wake a blocked `read()`, which then raises NoCard (the screen was left)."""
        with self._cond:
            self._cancelled += 1
            self._cond.notify_all()

    # -- the interface --------------------------------------------------------------------
    def read(self, timeout: float) -> IdentityDocument:
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            generation = self._cancelled
            self._reading = True
            try:
                while True:
                    if self._closed:
                        raise DeviceOffline("reader is closed", reason="closed")
                    if self._fail is not None:
                        error, self._fail = self._fail, None
                        raise error
                    if self._card is not None and not self._consumed:
                        self._consumed = True
                        return self._residents[self._card]
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or self._cancelled != generation:
                        raise NoCard("no card presented")
                    self._cond.wait(remaining)
            finally:
                self._reading = False
