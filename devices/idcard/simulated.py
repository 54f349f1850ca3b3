"""A simulated ID-card reader with residents from a JSON fixture, for the demo and development.

`simulated_idcard()` returns two objects: the reader, which offers only what a real reader
offers (the app gets it), and its control handle, which places and removes cards, scripts
failures and unplugs the reader (tests and the demo's developer panel get it).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from devices.base import (DeviceError, DeviceOffline, DeviceState, DeviceStatus, DeviceUnusable,
                          NoCard)
from devices.events import DeviceEvent, EventBus, Listener, Subscription
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


#: The `source` of the simulated reader's events.
SOURCE = "simulated"


class _SimulatedCardReaderHardware:
    """The simulated reader's state, shared by the reader and its control handle.

    Thread-safe: the kiosk reads on a worker thread while the demo UI (or a test) places cards
    through the control handle on another thread.
    """

    def __init__(self, residents: list[IdentityDocument]) -> None:
        self.residents = residents
        self.cond = threading.Condition()
        self.card: int | None = None
        self.consumed = False
        self.fail: DeviceError | None = None
        self.closed = False
        self.cancelled = 0
        self.reading = False
        self.offline: DeviceStatus | None = None  # scripted: the reader is unplugged
        self.events = EventBus("simulated-card-events")
        self.subscribed = False  # events before the first subscriber are nobody's news

    def subscribe(self, listener: Listener) -> Subscription:
        with self.cond:
            self.subscribed = True
        return self.events.subscribe(listener)

    def publish(self, kind: Literal["card-inserted", "card-removed", "reader-added",
                                    "reader-removed"]) -> None:
        """Called with `cond` held, so that events keep the order of the changes."""
        if self.subscribed:
            self.events.publish(DeviceEvent(kind, SOURCE))


class SimulatedIdCardReader:
    """Behaves like a real reader: `read()` blocks until a card is presented.

    A card is returned once per presentation; it must be removed and presented again before
    another read returns it (real readers only report a newly placed card). Cards are placed
    through a `SimulatedCardControl` (see `simulated_idcard()`), never through the reader.
    """

    capabilities: frozenset[str] = frozenset({"id_card", "social_security_card", "simulated"})

    def __init__(self, residents_file: str | None = None) -> None:
        self._hw = _SimulatedCardReaderHardware(load_residents(residents_file))

    @classmethod
    def is_usable(cls) -> bool:
        return True

    def open(self) -> None:
        hw = self._hw
        with hw.cond:
            if hw.offline is not None:
                raise DeviceOffline(hw.offline.detail or "simulated reader unplugged",
                                    reason=hw.offline.reason or "offline")
            hw.closed = False

    def close(self) -> None:
        hw = self._hw
        with hw.cond:
            hw.closed = True
            hw.cond.notify_all()

    def status(self) -> DeviceStatus:
        hw = self._hw
        with hw.cond:
            if hw.closed:
                return DeviceStatus(DeviceState.OFFLINE, "closed")
            if hw.offline is not None:
                return hw.offline
            if hw.reading:
                return DeviceStatus(DeviceState.BUSY, "reading")
            if hw.card is None:
                return DeviceStatus(DeviceState.NO_MEDIA, "no-card")
            return DeviceStatus(DeviceState.ONLINE)

    def diagnostics(self) -> dict[str, Any]:
        hw = self._hw
        with hw.cond:
            residents, card = len(hw.residents), hw.card is not None
        return {"backend": "simulated", "residents": residents, "card_present": card,
                "status": self.status().state.value}

    def subscribe(self, listener: Listener) -> Subscription:
        """card-inserted / card-removed as cards are placed and removed through the control
        handle; reader-removed / reader-added as it unplugs and plugs the reader back."""
        return self._hw.subscribe(listener)

    def cancel(self) -> None:
        """Wake a blocked `read()`, which then raises NoCard (the screen was left)."""
        hw = self._hw
        with hw.cond:
            hw.cancelled += 1
            hw.cond.notify_all()

    def read(self, timeout: float) -> IdentityDocument:
        hw = self._hw
        deadline = time.monotonic() + max(0.0, timeout)
        with hw.cond:
            generation = hw.cancelled
            hw.reading = True
            try:
                while True:
                    if hw.closed:
                        raise DeviceOffline("reader is closed", reason="closed")
                    if hw.offline is not None:
                        raise DeviceOffline(hw.offline.detail or "simulated reader unplugged",
                                            reason=hw.offline.reason or "offline")
                    if hw.fail is not None:
                        error, hw.fail = hw.fail, None
                        raise error
                    if hw.card is not None and not hw.consumed:
                        hw.consumed = True
                        return hw.residents[hw.card]
                    remaining = deadline - time.monotonic()
                    if remaining <= 0 or hw.cancelled != generation:
                        raise NoCard("no card presented")
                    hw.cond.wait(remaining)
            finally:
                hw.reading = False


class SimulatedCardControl:
    """The hand that places cards on a `SimulatedIdCardReader`, and the technician who
    unplugs it: for tests and the demo's developer panel, never for the app's screens."""

    def __init__(self, reader: SimulatedIdCardReader) -> None:
        self._hw = reader._hw

    def residents(self) -> list[IdentityDocument]:
        """The documents of the cards this reader can be given, in `present()` order."""
        return list(self._hw.residents)

    def present(self, index: int) -> None:
        """Place resident `index`'s card on the reader (replacing any card there)."""
        hw = self._hw
        if not 0 <= index < len(hw.residents):
            raise DeviceError(f"no simulated resident #{index}", reason="no-such-card")
        with hw.cond:
            if hw.card is not None:
                hw.publish("card-removed")
            hw.card = index
            hw.consumed = False
            hw.cond.notify_all()
            hw.publish("card-inserted")

    def remove(self) -> None:
        """Take the card off the reader (nothing happens when there is none)."""
        hw = self._hw
        with hw.cond:
            if hw.card is not None:
                hw.publish("card-removed")
            hw.card = None
            hw.consumed = False
            hw.cond.notify_all()

    def fail_next(self, error: DeviceError) -> None:
        """Make the next `read()` raise `error` (e.g. CardRemoved, DeviceOffline)."""
        hw = self._hw
        with hw.cond:
            hw.fail = error
            hw.cond.notify_all()

    def go_offline(self, reason: str = "unplugged", detail: str = "") -> None:
        """Unplug the reader: status() says offline with `reason`, open() and read() raise
        DeviceOffline (a read waiting for a card wakes and raises) until `go_online()`."""
        hw = self._hw
        with hw.cond:
            if hw.offline is None:
                hw.publish("reader-removed")
            hw.offline = DeviceStatus(DeviceState.OFFLINE, reason, detail)
            hw.cond.notify_all()

    def go_online(self) -> None:
        """Plug the reader back in (a card on it that was not read yet can be read now)."""
        hw = self._hw
        with hw.cond:
            if hw.offline is not None:
                hw.publish("reader-added")
            hw.offline = None
            hw.cond.notify_all()

    def flush_events(self, timeout: float = 5.0) -> bool:
        """Wait until the events published so far reached the reader's subscribers."""
        return self._hw.events.flush(timeout)


def simulated_idcard(residents_file: str | None = None
                     ) -> tuple[SimulatedIdCardReader, SimulatedCardControl]:
    """A simulated reader (for the app) and its control handle (for tests and the demo)."""
    reader = SimulatedIdCardReader(residents_file)
    return reader, SimulatedCardControl(reader)
