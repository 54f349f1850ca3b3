"""pcsc-lite through pyscard's scard module: result codes and a context that survives restarts."""

from __future__ import annotations

from typing import Any

from devices.base import DeviceError, DeviceOffline

__all__ = ["CARD_GONE", "NOT_READY", "NO_READERS", "SERVICE_GONE", "PcscContext", "card_present",
           "message", "scard"]

try:
    from smartcard import scard
except ImportError:  # is_usable() reports it; the registry refuses the backend with a hint
    scard = None


def _codes(*names: str) -> frozenset[int]:
    if scard is None:
        return frozenset()
    return frozenset(getattr(scard, n) & 0xFFFFFFFF for n in names if hasattr(scard, n))


# A context handle is dead after pcscd stops or restarts: drop it and establish a new one.
SERVICE_GONE = _codes("SCARD_E_NO_SERVICE", "SCARD_E_SERVICE_STOPPED", "SCARD_E_INVALID_HANDLE")
CARD_GONE = _codes("SCARD_W_REMOVED_CARD", "SCARD_E_NO_SMARTCARD", "SCARD_W_RESET_CARD")
# Right after insertion the reader may still be powering the card up.
NOT_READY = _codes("SCARD_W_UNPOWERED_CARD", "SCARD_W_UNRESPONSIVE_CARD",
                    "SCARD_E_NOT_TRANSACTED", "SCARD_E_NO_SMARTCARD")
NO_READERS = _codes("SCARD_E_NO_READERS_AVAILABLE")


def message(hresult: int) -> str:
    try:
        return str(scard.SCardGetErrorMessage(hresult))
    except (TypeError, ValueError, AttributeError):
        return f"0x{hresult & 0xFFFFFFFF:08X}"


class PcscContext:
    """One SCARDCONTEXT, established lazily and again after pcscd went away."""

    def __init__(self) -> None:
        self.handle: Any = None

    def get(self) -> Any:
        if self.handle is None:
            hresult, handle = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult != 0:
                raise DeviceOffline(f"pcscd is not running or not reachable ({message(hresult)})",
                                    reason="no-service")
            self.handle = handle
        return self.handle

    def drop(self) -> None:
        if self.handle is not None:
            scard.SCardReleaseContext(self.handle)
            self.handle = None

    def failed(self, hresult: int, what: str) -> DeviceError:
        if hresult & 0xFFFFFFFF in SERVICE_GONE:
            self.drop()
            return DeviceOffline(f"pcscd went away ({message(hresult)})", reason="no-service")
        return DeviceError(f"{what} failed: {message(hresult)}", reason="pcsc-error")

    def readers(self) -> list[str]:
        for stale_ok in (True, False):
            hresult, names = scard.SCardListReaders(self.get(), [])
            if stale_ok and hresult & 0xFFFFFFFF in SERVICE_GONE:
                self.drop()  # pcscd restarted since this context was made: try a fresh one
                continue
            if hresult & 0xFFFFFFFF in NO_READERS:
                return []
            if hresult != 0:
                raise self.failed(hresult, "listing readers")
            return list(names)
        return []

    def states(self, names: list[str]) -> dict[str, tuple[int, bytes]]:
        """Reader → (event state, ATR) now (UNAWARE makes pcscd answer at once)."""
        if not names:
            return {}
        hresult, states = scard.SCardGetStatusChange(
            self.get(), 0, [(n, scard.SCARD_STATE_UNAWARE) for n in names])
        if hresult != 0:
            raise self.failed(hresult, "reader status")
        return {name: (int(state), bytes(atr)) for name, state, atr in states}


def card_present(state: int) -> bool:
    return bool(state & scard.SCARD_STATE_PRESENT) and not state & scard.SCARD_STATE_MUTE
