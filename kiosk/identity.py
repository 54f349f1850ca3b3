"""ResidentIdentity: who the resident is for every service, however they identified; masked once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from devices.idcard.base import IdentityDocument
from services.privacy import mask_id_number, mask_name, mask_phone
from services.validation import is_valid_id_number, is_valid_phone, name_problem

from kiosk.texts import text

#: How the resident identified: a card read (then the face or staff confirm it) or the app.
IdentitySource = Literal["id_card", "social_security_card", "app_qr"]
#: How the person was confirmed: "face", "staff" (PIN instead of the face), "app", or "card"
#: (a terminal without a face check).
VerifiedBy = Literal["face", "staff", "app", "card"]


class InvalidIdentity(ValueError):
    """A card or the platform gave a name, ID number or phone the services cannot take.

    `reason` is technical and names no personal data; `message` is what the resident reads.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.message = text("identify.bad_identity")


@dataclass(frozen=True, repr=False)
class ResidentIdentity:
    """The resident as flows see them. Devices return what a card holds (IdentityDocument);
    the identification flow turns that, or an app login, into this. Personal data: never
    logged (repr is masked), shown and printed only through the masked properties."""

    kind: IdentitySource
    name: str
    id_number: str
    phone: str | None = None
    birth_date: date | None = None
    verified_by: VerifiedBy | None = None

    def __post_init__(self) -> None:
        # The one door every way of identifying goes through, so no service ever sees (or
        # prints, masked) a bidi override, a wrong check digit or a fullwidth phone.
        if not is_valid_id_number(self.id_number):
            raise InvalidIdentity("the ID number fails the GB 11643 check")
        problem = name_problem(self.name)
        if problem:
            raise InvalidIdentity(problem)
        if self.phone is not None and not is_valid_phone(self.phone):
            raise InvalidIdentity("the phone is not a mainland mobile number")

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    @property
    def id_number_masked(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    def age(self, on: date) -> int | None:
        """Completed years on `on`, when the birth date is known."""
        if self.birth_date is None:
            return None
        years = on.year - self.birth_date.year
        if (on.month, on.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years

    def __repr__(self) -> str:
        return (f"ResidentIdentity(kind={self.kind!r}, name={self.name_masked!r}, "
                f"id_number={self.id_number_masked!r}, verified_by={self.verified_by!r})")

    __str__ = __repr__


def resident_from_card(doc: IdentityDocument, verified_by: VerifiedBy) -> ResidentIdentity:
    """What the services need of a card read; the photo and the card's other fields stay behind."""
    source: IdentitySource = "social_security_card" if doc.kind == "social_security_card" \
        else "id_card"
    return ResidentIdentity(kind=source, name=doc.name, id_number=doc.id_number, phone=doc.phone,
                            birth_date=doc.birth_date, verified_by=verified_by)
