"""PC/SC card readers through pcscd (pyscard): discovery, card events, the social-security card."""

from __future__ import annotations

import threading
import time
from typing import Any

from devices.base import (CardRemoved, DeviceError, DeviceOffline, DeviceState, DeviceStatus,
                          DeviceUnusable, NoCard)
from devices.events import DeviceEvent, EventBus, Listener, Subscription
from devices.idcard.base import IdentityDocument
from devices.idcard.ga467_protocol import CardReadError
from devices.idcard.pcsc_apdu import ApduError, exchange
from devices.idcard.pcsc_context import (CARD_GONE, NOT_READY, PcscContext, card_present,
                                         message, scard)
from devices.idcard.social_security import SocialSecurityCard, read_social_security_card

class PcscReader:
    """A PC/SC reader (by exact name or case-insensitive part of it; None: any reader).

    `read()` waits for a card and reads it as a social-security card. A card read once must be
    removed (or re-inserted) before it is read again. pcscd restarts and unplugged readers are
    survived: contexts are re-established on the next call. `open()` starts a monitor thread
    whose events (reader-added/removed, card-inserted/removed, service-lost/back) reach
    subscribers on the bus thread, never on pyscard's or the monitor's.
    """

    capabilities: frozenset[str] = frozenset({"social_security_card", "pcsc"})

    def __init__(self, reader: str | None = None, *, poll_interval: float = 0.1,
                 connect_retry: float = 2.0) -> None:
        self.reader = reader
        self.poll_interval = poll_interval
        self.connect_retry = connect_retry
        self._ctx = PcscContext()
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._stop = threading.Event()
        self._monitor: threading.Thread | None = None
        self._events = EventBus("pcsc-events")
        self._used: tuple[str, int] | None = None
        self._reading = False
        self._open = False
        self.last_error: str | None = None

    @classmethod
    def is_usable(cls) -> bool:
        return scard is not None

    # -- lifecycle and events -------------------------------------------------------------
    def open(self) -> None:
        if scard is None:
            raise DeviceUnusable("the PC/SC backend needs pyscard (pip install pyscard) and "
                                 "pcscd (apt-get install pcscd)", reason="library-missing")
        self._open = True
        self._stop.clear()
        if self._monitor is None or not self._monitor.is_alive():
            self._monitor = threading.Thread(target=self._watch, name="pcsc-monitor",
                                             daemon=True)
            self._monitor.start()

    def close(self) -> None:
        self._open = False
        self._stop.set()
        self._cancel.set()
        if self._monitor is not None:
            self._monitor.join(5)
            self._monitor = None
        with self._lock:
            self._ctx.drop()
        self._cancel.clear()

    def cancel(self) -> None:
        """Wake a waiting `read()`, which raises NoCard (the resident left the screen)."""
        self._cancel.set()

    def subscribe(self, listener: Listener) -> Subscription:
        return self._events.subscribe(listener)

    def _matching(self, names: list[str]) -> list[str]:
        if self.reader is None:
            return names
        exact = [n for n in names if n == self.reader]
        return exact or [n for n in names if self.reader.lower() in n.lower()]

    def _watch(self) -> None:
        ctx = PcscContext()
        known: dict[str, bool] = {}
        service_up: bool | None = None
        while not self._stop.is_set():
            try:
                names = self._matching(ctx.readers())
                current = {n: card_present(s) for n, (s, _) in ctx.states(names).items()}
                if service_up is False:
                    self._events.publish(DeviceEvent("service-back", "pcscd"))
                service_up = True
            except DeviceError:
                ctx.drop()
                if service_up:
                    self._events.publish(DeviceEvent("service-lost", "pcscd"))
                service_up, current = False, {}
            for name in known.keys() - current.keys():
                if known[name]:
                    self._events.publish(DeviceEvent("card-removed", name))
                self._events.publish(DeviceEvent("reader-removed", name))
            for name, present in current.items():
                if name not in known:
                    self._events.publish(DeviceEvent("reader-added", name))
                if present != known.get(name, False):
                    self._events.publish(DeviceEvent(
                        "card-inserted" if present else "card-removed", name))
            known = current
            self._stop.wait(self.poll_interval)
        ctx.drop()

    # -- health ---------------------------------------------------------------------------
    def readers(self) -> list[str]:
        """Every reader pcscd knows (not only the configured one)."""
        with self._lock:
            return self._ctx.readers()

    def status(self) -> DeviceStatus:
        if not self._open:
            return DeviceStatus(DeviceState.OFFLINE, "closed")
        if self._reading or not self._lock.acquire(blocking=False):
            return DeviceStatus(DeviceState.BUSY, "reading")
        try:
            names = self._matching(self._ctx.readers())
            if not names:
                return DeviceStatus(DeviceState.OFFLINE, "no-reader", self._no_reader_text())
            if any(card_present(s) for s, _ in self._ctx.states(names).values()):
                return DeviceStatus(DeviceState.ONLINE)
            return DeviceStatus(DeviceState.NO_MEDIA, "no-card")
        except DeviceOffline as exc:
            return DeviceStatus(DeviceState.OFFLINE, exc.reason, str(exc))
        except DeviceError as exc:
            return DeviceStatus(DeviceState.ERROR, exc.reason, str(exc))
        finally:
            self._lock.release()

    def _no_reader_text(self) -> str:
        wanted = f" matching {self.reader!r}" if self.reader else ""
        return f"no PC/SC card reader{wanted} is connected"

    def diagnostics(self) -> dict[str, Any]:
        st = self.status()
        try:
            names = self.readers()
        except DeviceError:
            names = []
        return {"backend": "pcsc", "reader": self.reader, "readers": names,
                "state": st.state.value, "reason": st.reason, "detail": st.detail,
                "last_error": self.last_error}

    # -- reading --------------------------------------------------------------------------
    def read(self, timeout: float) -> IdentityDocument:
        return self.read_card(timeout).document

    def read_card(self, timeout: float) -> SocialSecurityCard:
        """Like read(), plus the card number."""
        if not self._open:
            raise DeviceOffline("the PC/SC reader is not open", reason="closed")
        deadline = time.monotonic() + max(0.0, timeout)
        self._cancel.clear()
        with self._lock:
            self._reading = True
            try:
                name, counter = self._wait_for_card(deadline)
                return self._read_from(name, counter)
            except DeviceError as exc:
                self.last_error = exc.reason
                raise
            finally:
                self._reading = False

    def _wait_for_card(self, deadline: float) -> tuple[str, int]:
        first, offline = True, None
        while True:
            try:
                names = self._matching(self._ctx.readers())
                offline = None if names else DeviceOffline(self._no_reader_text(),
                                                           reason="no-reader")
                for name, (state, _) in self._ctx.states(names).items():
                    counter = state >> 16  # pcsc-lite counts insertions in the high word
                    if self._used is not None and self._used[0] == name:
                        if not card_present(state) or self._used[1] != counter:
                            self._used = None
                        else:
                            continue
                    if card_present(state):
                        return name, counter
            except DeviceOffline as exc:
                offline = exc
            if offline is not None and first:
                raise offline
            first = False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if offline is not None:
                    raise offline
                raise NoCard("no card presented")
            if self._cancel.wait(min(self.poll_interval, remaining)):
                raise NoCard("reading was cancelled", reason="cancelled")

    def _read_from(self, name: str, counter: int) -> SocialSecurityCard:
        card, protocol = self._connect(name)

        def raw(apdu: bytes) -> tuple[bytes, int, int]:
            hresult, response = scard.SCardTransmit(card, protocol, list(apdu))
            if hresult != 0:
                raise self._transmit_failed(name, hresult)
            if len(response) < 2:
                # vpcd (and some readers) answer a vanished card with nothing at all.
                raise self._transmit_failed(name, None)
            return bytes(response[:-2]), response[-2], response[-1]

        try:
            result = read_social_security_card(lambda apdu: exchange(raw, apdu))
            self._used = (name, counter)
            return result
        except (ApduError, CardReadError):
            self._used = (name, counter)  # the same card would fail the same way again
            raise
        finally:
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)

    def _connect(self, name: str) -> tuple[Any, int]:
        retry_until = time.monotonic() + self.connect_retry
        while True:
            hresult, card, protocol = scard.SCardConnect(
                self._ctx.get(), name, scard.SCARD_SHARE_SHARED,
                scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1)
            if hresult == 0:
                return card, protocol
            code = hresult & 0xFFFFFFFF
            if code in NOT_READY and time.monotonic() < retry_until:
                time.sleep(0.05)
                continue
            if code in CARD_GONE:
                raise CardRemoved("the card was removed before it could be read")
            if code in NOT_READY:
                raise CardReadError(f"the card does not answer ({message(hresult)})",
                                    reason="card-unresponsive")
            raise self._ctx.failed(hresult, "connecting to the card")

    def _transmit_failed(self, name: str, hresult: int | None) -> DeviceError:
        if hresult is not None and hresult & 0xFFFFFFFF in CARD_GONE:
            return CardRemoved("the card left the reader while it was being read")
        # A vanished card can first show up as a generic transfer error: look again.
        # pcscd polls serial-style drivers for presence every ~0.4 s: give it a few rounds.
        for _ in range(30):
            try:
                state = self._ctx.states([name]).get(name, (0, b""))[0]
            except DeviceError:
                break
            if not card_present(state):
                return CardRemoved("the card left the reader while it was being read")
            time.sleep(0.05)
        if hresult is None:
            return ApduError("the card's answer has no status word", reason="bad-apdu")
        return ApduError(f"exchange with the card failed: {message(hresult)}",
                         reason="transmit-failed")
