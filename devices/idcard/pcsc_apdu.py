"""APDU exchange over any raw transmit: 61xx (GET RESPONSE) chaining and 6Cxx (resend with Le)."""

from __future__ import annotations

from collections.abc import Callable

from devices.base import DeviceError

# (command APDU) -> (response data, SW1, SW2), e.g. a thin wrapper over SCardTransmit.
RawTransmit = Callable[[bytes], tuple[bytes, int, int]]

# A card that keeps answering 61xx would otherwise loop forever; 64 × 256 bytes is far more
# than any record on an identity card.
_MAX_CHAINED = 64


class ApduError(DeviceError):
    """A command APDU was refused or its answer was malformed; `sw` holds SW1SW2 if any."""

    default_reason = "apdu-error"

    def __init__(self, message: str = "", *, reason: str | None = None, sw: int | None = None):
        super().__init__(message, reason=reason)
        self.sw = sw


def with_le(apdu: bytes, le: int) -> bytes:
    """`apdu` with its Le set to `le` (short APDUs: cases 1–4 per ISO 7816-4)."""
    if len(apdu) < 4:
        raise ApduError(f"APDU of {len(apdu)} bytes has no header", reason="bad-apdu")
    if len(apdu) == 4:
        return apdu + bytes([le & 0xFF])
    if len(apdu) == 5:
        return apdu[:4] + bytes([le & 0xFF])
    lc = apdu[4]
    if len(apdu) == 5 + lc:
        return apdu + bytes([le & 0xFF])
    if len(apdu) == 6 + lc:
        return apdu[:-1] + bytes([le & 0xFF])
    raise ApduError("APDU length does not match its Lc", reason="bad-apdu")


def exchange(raw: RawTransmit, apdu: bytes) -> tuple[bytes, int]:
    """Send `apdu`; return (all response data, final SW1SW2 as one int)."""
    # Checked before sending: the GET RESPONSE and the resend below are built from the header.
    if len(apdu) < 4:
        raise ApduError(f"APDU of {len(apdu)} bytes has no header", reason="bad-apdu")
    data, sw1, sw2 = raw(apdu)
    if sw1 == 0x6C:
        # Wrong Le: the card tells the right one in SW2; send the same command again with it.
        data, sw1, sw2 = raw(with_le(apdu, sw2))
    collected = bytearray(data)
    for _ in range(_MAX_CHAINED):
        if sw1 != 0x61:
            return bytes(collected), (sw1 << 8) | sw2
        # More data waiting: GET RESPONSE on the same logical channel (CLA's low bits).
        data, sw1, sw2 = raw(bytes([apdu[0] & 0x03, 0xC0, 0x00, 0x00, sw2]))
        collected += data
    raise ApduError("the card kept announcing more data (61xx)", reason="apdu-chain-too-long")
