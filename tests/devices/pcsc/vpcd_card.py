"""A social-security card emulated for vpcd: connecting is inserting it, closing is pulling it."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable

from devices.idcard.idnumber import check_digit

READER = "Virtual PCD 00 00"
AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
# TS, T0 = 8 historical bytes and no interface bytes: T=0 only, so no TCK.
ATR = bytes.fromhex("3B08") + b"SSCARD01"
FIRST17 = "42010219550621004"
SSN = FIRST17 + check_digit(FIRST17)


def default_files() -> dict[bytes, dict[int, bytes]]:
    return {
        b"\xef\x05": {0x07: b"A12345678", 0x05: bytes.fromhex("20200115"),
                      0x06: bytes.fromhex("20300115")},
        b"\xef\x06": {0x01: SSN.encode(), 0x02: "王秀英".encode("gbk").ljust(30, b" "),
                      0x03: b"2", 0x04: b"03", 0x06: bytes.fromhex("19550621")},
    }


class SocialSecurityCardEmulator:
    """APDU answers of an SSSE card; `log` records every command APDU (hex)."""

    def __init__(self, files: dict[bytes, dict[int, bytes]] | None = None,
                 has_app: bool = True) -> None:
        self.files = default_files() if files is None else files
        self.has_app = has_app
        self.log: list[str] = []
        self._app = False
        self._ef: dict[int, bytes] | None = None
        self._pending = b""

    def answer(self, apdu: bytes) -> bytes:
        self.log.append(apdu.hex().upper())
        if len(apdu) < 4:
            return b"\x67\x00"
        ins, p1 = apdu[1], apdu[2]
        data = apdu[5:5 + apdu[4]] if len(apdu) > 5 else b""
        if ins == 0xA4 and p1 == 0x04:
            if not self.has_app or data != AID:
                return b"\x6a\x82"
            self._app, self._ef = True, None
            # Announce the FCI with 61xx so the reader has to fetch it with GET RESPONSE.
            self._pending = b"\x6f\x11\x84\x0f" + AID
            return bytes([0x61, len(self._pending)])
        if ins == 0xC0:
            out, self._pending = self._pending, b""
            return out + b"\x90\x00" if out else b"\x6f\x00"
        if ins == 0xA4 and p1 == 0x02:
            if not self._app or data not in self.files:
                return b"\x6a\x82"
            self._ef = self.files[data]
            return b"\x90\x00"
        if ins == 0xB2:
            if self._ef is None:
                return b"\x69\x86"
            if p1 not in self._ef:
                return b"\x6a\x83"
            value = self._ef[p1]
            record = bytes([p1, len(value)]) + value
            le = apdu[4] if len(apdu) == 5 else 0
            if le != len(record):
                return bytes([0x6C, len(record)])  # wrong Le: tell the right one
            return record + b"\x90\x00"
        return b"\x6d\x00"


class VpcdCard:
    """The link to vpcd. `pull_after` drops the link after that many APDUs (card pulled)."""

    def __init__(self, port: int, card: SocialSecurityCardEmulator | None = None) -> None:
        self.port = port
        self.card = card or SocialSecurityCardEmulator()
        self.pull_after: int | None = None
        self.apdus = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def insert(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(None)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True,
                                        name="vpcd-card")
        self._thread.start()

    def remove(self) -> None:
        """Pull the card and wait until pcscd saw it go (vpcd serves one link at a time)."""
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # vpcd may have closed it first
            sock.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None
            eventually(lambda: not card_present(READER), timeout=5)

    def _recv(self, sock: socket.socket, n: int) -> bytes | None:
        out = b""
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            if not chunk:
                return None
            out += chunk
        return out

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                head = self._recv(sock, 2)
                if head is None:
                    return
                payload = self._recv(sock, struct.unpack(">H", head)[0])
                if payload is None:
                    return
                if len(payload) == 1:
                    if payload[0] == 4:
                        sock.sendall(struct.pack(">H", len(ATR)) + ATR)
                    continue  # 0 power off, 1 power on, 2 reset: nothing to answer
                self.apdus += 1
                if self.pull_after is not None and self.apdus >= self.pull_after:
                    sock.shutdown(socket.SHUT_RDWR)
                    return
                reply = self.card.answer(payload)
                sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError:
            return


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


def card_present(reader: str) -> bool:
    """What pcscd says about `reader` right now (a context of its own, released at once)."""
    from smartcard import scard
    hresult, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != 0:
        return False
    try:
        hresult, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
        return hresult == 0 and any(s & scard.SCARD_STATE_PRESENT for _, s, _ in states)
    finally:
        scard.SCardReleaseContext(ctx)
