"""GA 467 reader frames (AA AA AA 96 69, length, body, XOR): encoding and a resyncing parser."""

from __future__ import annotations

from dataclasses import dataclass

from devices.base import DeviceError, DeviceTimeout, NoCard

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
HEADER_LEN = len(PREAMBLE) + 2
# Longest reply readers send is text + photo + fingerprint (~2.3 kB); anything far beyond that
# is a corrupted length field, and waiting for it would stall the link until the timeout.
MAX_BODY_LEN = 4096
MIN_BODY_LEN = 3  # command + parameter + checksum (a reply has 3 status bytes + checksum)

RESET_SAM = (0x10, 0xFF)
SAM_STATUS = (0x11, 0xFF)
FIND_CARD = (0x20, 0x01)
SELECT_CARD = (0x20, 0x02)
READ_TEXT_PHOTO = (0x30, 0x01)

RESULT_OK = 0x90
RESULT_CARD_FOUND = 0x9F


class FrameError(DeviceError):
    """Bytes from the reader that are not a well-formed frame (length or shape)."""

    default_reason = "bad-frame"


class ChecksumError(FrameError):
    """A frame whose XOR checksum does not match: corrupted on the line."""

    default_reason = "bad-checksum"


class CardReadError(DeviceError):
    """The card was found but its data could not be read or did not make sense."""

    default_reason = "read-failed"


class InvalidCardData(CardReadError):
    """The card answered, but a field is malformed (e.g. the ID number's check digit)."""

    default_reason = "bad-card-data"


@dataclass(frozen=True)
class Response:
    """A reader reply: status bytes SW1 SW2 SW3 (the result code is SW3) and data."""

    sw1: int
    sw2: int
    result: int
    data: bytes

    def __repr__(self) -> str:
        # The data of a read reply is a resident's identity: show its size only.
        return (f"Response(sw={self.sw1:02X}{self.sw2:02X}{self.result:02X}, "
                f"data={len(self.data)} bytes)")


def xor_checksum(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def _frame(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def encode_command(command: tuple[int, int], data: bytes = b"") -> bytes:
    """Host → reader frame for (command, parameter) with optional data."""
    return _frame(bytes(command) + data)


def encode_response(result: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> bytes:
    """Reader → host frame; used by emulators and tests."""
    return _frame(bytes([sw1, sw2, result]) + data)


def decode_response(body: bytes) -> Response:
    """Split a parsed frame body (without checksum) into status bytes and data."""
    if len(body) < 3:
        raise FrameError(f"reply of {len(body)} bytes has no status bytes")
    return Response(body[0], body[1], body[2], bytes(body[3:]))


class FrameParser:
    """Feeds on raw serial bytes and yields frame bodies (checksum verified and stripped).

    Garbage before a preamble is dropped. A frame that cannot be right (length out of range,
    checksum mismatch) raises a FrameError once, after which parsing resumes one byte past its
    preamble, so a genuine frame that followed a corrupted one is still found.
    """

    def __init__(self) -> None:
        self._buf = bytearray()
        self.discarded = 0

    def feed(self, data: bytes) -> None:
        self._buf += data

    def clear(self) -> None:
        self._buf.clear()

    @property
    def pending(self) -> int:
        return len(self._buf)

    def next_frame(self) -> bytes | None:
        """The next complete frame body, or None until more bytes arrive."""
        start = self._buf.find(PREAMBLE)
        if start < 0:
            # Keep a tail that could be the start of a preamble split across reads.
            keep = len(PREAMBLE) - 1
            if len(self._buf) > keep:
                self.discarded += len(self._buf) - keep
                del self._buf[:-keep]
            return None
        if start:
            self.discarded += start
            del self._buf[:start]
        if len(self._buf) < HEADER_LEN:
            return None
        length = int.from_bytes(self._buf[len(PREAMBLE):HEADER_LEN], "big")
        if not MIN_BODY_LEN <= length <= MAX_BODY_LEN:
            self._skip_preamble()
            raise FrameError(f"frame length {length} out of range")
        if len(self._buf) < HEADER_LEN + length:
            return None
        checked = bytes(self._buf[len(PREAMBLE):HEADER_LEN + length - 1])
        if xor_checksum(checked) != self._buf[HEADER_LEN + length - 1]:
            self._skip_preamble()
            raise ChecksumError("frame checksum mismatch")
        body = checked[2:]
        del self._buf[:HEADER_LEN + length]
        return body

    def _skip_preamble(self) -> None:
        self.discarded += 1
        del self._buf[:1]


def result_error(result: int, context: str) -> DeviceError | None:
    """The typed error for a result code (None for the success codes 90 and 9F)."""
    if result in (RESULT_OK, RESULT_CARD_FOUND):
        return None
    where = f"{context}: result {result:02X}"
    if result == 0x80:
        return NoCard(f"{where} (no card in the field)")
    if result == 0x81:
        return CardReadError(f"{where} (card could not be selected)", reason="select-failed")
    if result == 0x41:
        return CardReadError(f"{where} (reading the card failed)", reason="read-failed")
    if result == 0x31:
        return CardReadError(f"{where} (card authentication failed)", reason="card-auth-failed")
    if result == 0x32:
        return DeviceError(f"{where} (reader/SAM authentication failed)",
                           reason="reader-auth-failed")
    if result == 0x11:
        return DeviceTimeout(f"{where} (the SAM timed out)", reason="sam-timeout")
    if result == 0x60:
        return DeviceError(f"{where} (the SAM self-test failed)", reason="self-test-failed")
    return DeviceError(f"{where} (unknown result code)", reason="unknown-result")
