"""Device protocol, status and typed errors shared by every driver (CEN/XFS-like, thin)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


class DeviceState(enum.Enum):
    """Coarse state a screen or the fleet server can act on without knowing the device kind."""

    ONLINE = "online"
    BUSY = "busy"
    NO_MEDIA = "no-media"
    OFFLINE = "offline"
    ERROR = "error"


@dataclass(frozen=True)
class DeviceStatus:
    """`state` plus a machine-readable `reason` (e.g. "media-empty") and free-text `detail`."""

    state: DeviceState
    reason: str | None = None
    detail: str = ""

    @property
    def usable(self) -> bool:
        """True when an operation can be attempted now (busy devices queue work)."""
        return self.state in (DeviceState.ONLINE, DeviceState.BUSY)


class DeviceError(Exception):
    """Base of every device failure; `reason` is machine-readable and stable."""

    default_reason = "device-error"

    def __init__(self, message: str = "", *, reason: str | None = None) -> None:
        super().__init__(message or self.default_reason)
        self.reason: str = reason or self.default_reason


class NoCard(DeviceError):
    """No card was presented before the timeout."""

    default_reason = "no-card"


class CardRemoved(DeviceError):
    """The card left the reader while it was being read."""

    default_reason = "card-removed"


class DeviceTimeout(DeviceError):
    """The device did not finish the operation in time."""

    default_reason = "timeout"


class PaperOut(DeviceError):
    """The printer has no paper (or no media of the needed kind)."""

    default_reason = "media-empty"


class DeviceOffline(DeviceError):
    """The device cannot be reached, is disabled or does not exist."""

    default_reason = "offline"


class PrintFailed(DeviceError):
    """A print job ended without completing (aborted, cancelled, held, stopped)."""

    default_reason = "print-failed"


class DeviceUnusable(DeviceError):
    """The backend cannot run here: library missing or configuration wrong."""

    default_reason = "unusable"


@runtime_checkable
class Device(Protocol):
    """What every driver offers: lifecycle, status and a set of capability names."""

    capabilities: frozenset[str]

    def open(self) -> None: ...

    def close(self) -> None: ...

    def status(self) -> DeviceStatus: ...

    @classmethod
    def is_usable(cls) -> bool: ...
