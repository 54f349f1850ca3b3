"""GA 467 second-generation ID-card reader on a serial port (pyserial)."""

from __future__ import annotations

import threading
import time
from typing import Any

from devices.base import (CardRemoved, DeviceError, DeviceOffline, DeviceState, DeviceStatus,
                          DeviceTimeout, DeviceUnusable, NoCard)
from devices.events import DeviceEvent, EventBus, Listener, Subscription
from devices.idcard import ga467_protocol as proto
from devices.idcard.base import IdentityDocument
from devices.idcard.ga467_text import decode_read_data
from devices.idcard.wlt import PhotoDecoder

# The pyserial module, or None without it (is_usable() says which); Any, so that the except
# clauses below need no None check.
serial: Any
try:
    import serial
except ImportError:  # is_usable() reports it; the registry refuses the backend with a hint
    serial = None

# Serial reads return at least this often so deadlines and cancel() are honoured promptly.
_READ_SLICE = 0.05
# After a corrupted frame, the reader has nothing more to say; wait this long, then resend.
_SETTLE_AFTER_BAD_FRAME = 0.15


class Ga467Reader:
    """Blocking `read()` that polls find-card; a card must leave the field before the next read.

    One lock guards the port, so `status()` from another thread never interleaves frames with
    a read (it reports BUSY instead of waiting). `cancel()` ends a waiting read with NoCard.
    """

    capabilities: frozenset[str] = frozenset({"id_card", "photo"})

    def __init__(self, port: str, baudrate: int = 115200, *, command_timeout: float = 1.0,
                 poll_interval: float = 0.2, retries: int = 2,
                 photo_decoder: PhotoDecoder | None = None) -> None:
        self.port = port
        self.baudrate = baudrate
        self.command_timeout = command_timeout
        self.poll_interval = poll_interval
        self.retries = retries
        self._decoder = photo_decoder
        self._serial: Any = None
        self._parser = proto.FrameParser()
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._await_removal = False
        self._events = EventBus("ga467-events")
        self.frame_errors = 0
        self.last_error: str | None = None

    @classmethod
    def is_usable(cls) -> bool:
        return serial is not None

    # -- lifecycle ------------------------------------------------------------------------
    def open(self) -> None:
        if serial is None:
            raise DeviceUnusable("the GA 467 backend needs pyserial (pip install pyserial)",
                                 reason="library-missing")
        with self._lock:
            if self._serial is not None:
                return
            try:
                self._serial = serial.Serial(self.port, self.baudrate, timeout=_READ_SLICE,
                                             write_timeout=self.command_timeout)
            except (serial.SerialException, OSError, ValueError) as exc:
                raise DeviceOffline(f"cannot open serial port {self.port}: {exc}",
                                    reason="port-unavailable") from None
            try:
                self._check(self._transact(proto.SAM_STATUS), "SAM status")
            except DeviceTimeout:
                self._close_port()
                raise DeviceOffline(f"no GA 467 reader answers on {self.port} at "
                                    f"{self.baudrate} baud", reason="no-response") from None
            except DeviceError:
                self._close_port()
                raise

    def close(self) -> None:
        self._cancel.set()
        with self._lock:
            self._close_port()
        self._cancel.clear()

    def _close_port(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except (OSError, serial.SerialException):
                pass  # closing a vanished device: nothing left to release
            self._serial = None

    def cancel(self) -> None:
        """Wake a waiting `read()`, which raises NoCard (the resident left the screen)."""
        self._cancel.set()

    def subscribe(self, listener: Listener) -> Subscription:
        """card-inserted / card-removed events, seen while `read()` polls the field."""
        return self._events.subscribe(listener)

    # -- health ---------------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        if self._serial is None:
            return DeviceStatus(DeviceState.OFFLINE, "closed", f"port {self.port} not open")
        if not self._lock.acquire(blocking=False):
            return DeviceStatus(DeviceState.BUSY, "reading")
        try:
            if self._serial is None:
                return DeviceStatus(DeviceState.OFFLINE, "closed")
            self._check(self._transact(proto.SAM_STATUS), "SAM status")
            return DeviceStatus(DeviceState.ONLINE)
        except (DeviceOffline, DeviceTimeout) as exc:
            return DeviceStatus(DeviceState.OFFLINE, exc.reason, str(exc))
        except DeviceError as exc:
            return DeviceStatus(DeviceState.ERROR, exc.reason, str(exc))
        finally:
            self._lock.release()

    def diagnostics(self) -> dict[str, Any]:
        st = self.status()
        return {"backend": "ga467", "port": self.port, "baudrate": self.baudrate,
                "state": st.state.value, "reason": st.reason, "detail": st.detail,
                "frame_errors": self.frame_errors, "garbage_bytes": self._parser.discarded,
                "last_error": self.last_error}

    def reset_sam(self) -> None:
        with self._lock:
            self._require_open()
            self._check(self._transact(proto.RESET_SAM), "reset SAM")

    # -- reading --------------------------------------------------------------------------
    def read(self, timeout: float) -> IdentityDocument:
        deadline = time.monotonic() + max(0.0, timeout)
        self._cancel.clear()
        with self._lock:
            self._require_open()
            try:
                return self._read(deadline)
            except DeviceError as exc:
                self.last_error = exc.reason
                raise

    def _read(self, deadline: float) -> IdentityDocument:
        while self._await_removal:
            if not self._card_in_field():
                self._await_removal = False
                self._events.publish(DeviceEvent("card-removed", self.port))
                break
            self._pause(deadline, "the previous card is still on the reader",
                        reason="card-not-removed")
        while not self._card_in_field():
            self._pause(deadline, "no card presented")
        self._events.publish(DeviceEvent("card-inserted", self.port))
        try:
            self._check(self._transact(proto.SELECT_CARD), "select card")
            reply = self._transact(proto.READ_TEXT_PHOTO)
            self._check(reply, "read card")
        except proto.CardReadError as exc:
            if not self._card_in_field():
                raise CardRemoved("the card left the reader while it was being read") from None
            self._await_removal = True
            raise exc
        except NoCard:
            raise CardRemoved("the card left the reader while it was being read") from None
        # Even if the data turns out invalid, this presentation is used up.
        self._await_removal = True
        return decode_read_data(reply.data, self._decoder)

    def _card_in_field(self) -> bool:
        reply = self._transact(proto.FIND_CARD)
        if reply.result in (proto.RESULT_CARD_FOUND, proto.RESULT_OK):
            return True
        error = proto.result_error(reply.result, "find card")
        if isinstance(error, NoCard):
            return False
        assert error is not None
        raise error

    def _pause(self, deadline: float, message: str, reason: str = "no-card") -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise NoCard(message, reason=reason)
        if self._cancel.wait(min(self.poll_interval, remaining)):
            raise NoCard("reading was cancelled", reason="cancelled")

    # -- the link -------------------------------------------------------------------------
    def _require_open(self) -> None:
        if self._serial is None:
            raise DeviceOffline(f"reader on {self.port} is not open", reason="closed")

    @staticmethod
    def _check(reply: proto.Response, context: str) -> None:
        error = proto.result_error(reply.result, context)
        if error is not None:
            raise error

    def _transact(self, command: tuple[int, int]) -> proto.Response:
        """Send a command and return its reply; resend on a corrupted or missing reply."""
        last: DeviceError = DeviceTimeout("no reply", reason="no-response")
        for _ in range(self.retries + 1):
            try:
                self._serial.reset_input_buffer()
                self._parser.clear()
                self._serial.write(proto.encode_command(command))
                return proto.decode_response(self._receive())
            except proto.FrameError as exc:
                self.frame_errors += 1
                last = exc
            except DeviceTimeout as exc:
                last = exc
            except (serial.SerialException, OSError) as exc:
                raise DeviceOffline(f"serial port {self.port} failed: {type(exc).__name__}",
                                    reason="port-lost") from None
        raise last

    def _receive(self) -> bytes:
        deadline = time.monotonic() + self.command_timeout
        bad: proto.FrameError | None = None
        while True:
            try:
                frame = self._parser.next_frame()
            except proto.FrameError as exc:
                bad = exc
                deadline = min(deadline, time.monotonic() + _SETTLE_AFTER_BAD_FRAME)
                continue
            if frame is not None:
                return frame
            if time.monotonic() >= deadline:
                if bad is not None:
                    raise bad
                raise DeviceTimeout(f"the reader on {self.port} did not answer within "
                                    f"{self.command_timeout:g} s", reason="no-response")
            chunk = self._serial.read(max(1, self._serial.in_waiting))
            if chunk:
                self._parser.feed(chunk)
