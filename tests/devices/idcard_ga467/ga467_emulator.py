"""A GA 467 reader emulated on a pseudo-terminal pair, with scriptable line faults."""

from __future__ import annotations

import os
import select
import threading
import time
import tty
from collections import deque
from dataclasses import dataclass, field

from devices.idcard.idnumber import check_digit

FIRST17 = "42010219900307123"
ID_NUMBER = FIRST17 + check_digit(FIRST17)


def card_fields(**overrides: str) -> dict[str, str]:
    fields = {"name": "张三明", "sex": "1", "nation": "01", "birth": "19900307",
              "address": "江汉市江岸区沿江大道188号", "id_number": ID_NUMBER,
              "issuer": "江汉市公安局江岸分局", "valid_from": "20200101", "valid_until": "20400101"}
    fields.update(overrides)
    return fields


HEAD = b"\xaa\xaa\xaa\x96\x69"


def xor(data: bytes) -> int:
    value = 0
    for b in data:
        value ^= b
    return value


def reply(result: int, data: bytes = b"") -> bytes:
    # Written independently of devices.idcard.ga467_protocol so both sides are really tested.
    body = bytes([0, 0, result]) + data
    length = (len(body) + 1).to_bytes(2, "big")
    return HEAD + length + body + bytes([xor(length + body)])


def text_block(fields: dict[str, str]) -> bytes:
    widths = [("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70),
              ("id_number", 36), ("issuer", 30), ("valid_from", 16), ("valid_until", 16)]
    out = b""
    for key, width in widths:
        raw = fields[key].encode("utf-16-le")
        out += raw + b" \x00" * ((width - len(raw)) // 2)
    return out + b" \x00" * 18


def read_data(fields: dict[str, str], photo: bytes) -> bytes:
    text = text_block(fields)
    return len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo


@dataclass
class Card:
    fields: dict[str, str]
    photo: bytes = field(default_factory=lambda: b"WLT" + bytes(range(256)) * 4)

    def data(self) -> bytes:
        return read_data(self.fields, self.photo[:1024])


class ReaderEmulator:
    """Answers commands on the master side; pyserial opens `self.path` (the slave).

    `faults` is a queue of one-shot behaviours applied to the next replies, e.g. "corrupt",
    "silent", "garbage", "dribble" (one byte at a time), "remove-on-read", "bad-length".
    """

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.card: Card | None = None
        self.faults: deque[str] = deque()
        self.results: dict[tuple[int, int], int] = {}
        self.commands: list[tuple[int, int]] = []
        self._buf = b""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ga467-emulator", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)

    def _run(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            try:
                self._buf += os.read(self.master, 4096)
            except OSError:
                continue
            while (cmd := self._take()) is not None:
                self.commands.append(cmd)
                self._send(self._answer(cmd))

    def _take(self) -> tuple[int, int] | None:
        start = self._buf.find(HEAD)
        if start < 0 or len(self._buf) < start + 7:
            return None
        length = int.from_bytes(self._buf[start + 5:start + 7], "big")
        end = start + 7 + length
        if len(self._buf) < end:
            return None
        frame, self._buf = self._buf[start + 5:end], self._buf[end:]
        if xor(frame[:-1]) != frame[-1]:
            return (0, 0)
        return frame[2], frame[3]

    def _answer(self, cmd: tuple[int, int]) -> bytes | None:
        if cmd in self.results:
            return reply(self.results[cmd])
        if cmd == (0, 0):
            return reply(0x10)
        if cmd in ((0x10, 0xFF), (0x11, 0xFF)):
            return reply(0x90)
        if cmd == (0x20, 0x01):
            return reply(0x9F if self.card else 0x80, b"\x00\x00\x00\x00" if self.card else b"")
        if cmd == (0x20, 0x02):
            return reply(0x90 if self.card else 0x81, bytes(8) if self.card else b"")
        if cmd == (0x30, 0x01):
            if self.faults and self.faults[0] == "remove-on-read":
                self.faults.popleft()
                self.card = None
            return reply(0x90, self.card.data()) if self.card else reply(0x41)
        return reply(0x21)

    def _send(self, frame: bytes | None) -> None:
        fault = self.faults.popleft() if self.faults and self.faults[0] != "remove-on-read" \
            else None
        if frame is None or fault == "silent":
            return
        if fault == "corrupt":
            frame = frame[:-1] + bytes([frame[-1] ^ 0x5A])
        elif fault == "garbage":
            frame = b"\x00\xff\xaa\xaa\x13garbage\x96\x69" + frame + b"\xaa\xaa"
        elif fault == "bad-length":
            frame = HEAD + b"\xff\xff" + frame[7:]
        if fault == "dribble":
            for i in range(0, len(frame), 7):
                os.write(self.master, frame[i:i + 7])
                time.sleep(0.002)
            return
        view = memoryview(frame)
        while view:
            view = view[os.write(self.master, view):]
