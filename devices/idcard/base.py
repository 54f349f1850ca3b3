"""The identity-card reader interface and the document it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol, runtime_checkable

from devices.base import Device

# "app_qr": identified by the mobile app's login code, redeemed by the platform.
DocumentKind = Literal["id_card", "social_security_card", "app_qr"]


def _mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    # devices imports nothing of the project, so it cannot reuse services.privacy.
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


@dataclass(frozen=True)
class IdentityDocument:
    """What a card tells about its holder. Personal data: never log it, never print it whole.

    `valid_until` is None for cards valid for life (长期).
    """

    kind: DocumentKind
    name: str
    id_number: str
    sex: str
    nation: str
    birth_date: date
    address: str
    issuer: str
    valid_from: date
    valid_until: date | None
    phone: str | None
    photo: bytes | None = None

    def age(self, on: date) -> int:
        """Completed years on `on` (a birthday on `on` counts)."""
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def is_expired(self, on: date) -> bool:
        return self.valid_until is not None and on > self.valid_until

    def __repr__(self) -> str:
        # Tracebacks and debug logs show repr(); keep them free of personal data.
        masked_name = (self.name[0] + "*" * (len(self.name) - 1)) if self.name else ""
        return (f"IdentityDocument(kind={self.kind!r}, name={masked_name!r}, "
                f"id_number={_mask_middle(self.id_number, 4, 4)!r})")

    __str__ = __repr__


@runtime_checkable
class IdCardReader(Device, Protocol):
    """A reader that blocks until a card is read or the timeout passes."""

    def read(self, timeout: float) -> IdentityDocument:
        """Return the presented card's document.

        Raises NoCard when no card arrives within `timeout` seconds, CardRemoved when the card
        leaves mid-read, DeviceOffline / DeviceTimeout / DeviceError for reader faults.
        """
        ...
