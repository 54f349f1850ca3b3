"""The ways in a terminal has, and the resident's words built only from those that work now."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from devices.idcard.base import DocumentKind

from kiosk.texts import text

#: A way in: the ID card reader, the social-security card reader, the app's QR code (camera).
Way = Literal["id_card", "sscard", "app"]
#: The order ways are offered and named in.
ORDER: tuple[Way, ...] = ("id_card", "sscard", "app")
CARD_WAYS: tuple[Way, ...] = ("id_card", "sscard")


@dataclass(frozen=True)
class StaffedHall:
    """The nearest hall with staff, from the platform's catalogue (name, address, hours)."""

    name: str
    address: str
    hours: str


def ordered(ways: Collection[Way]) -> list[Way]:
    return [w for w in ORDER if w in ways]


def names(ways: Sequence[Way]) -> str:
    """社保卡、手机App扫码 — for "please use …"."""
    return "、".join(text(f"identify.name.{w}") for w in ways)


def _way_on(ways: Collection[Way], exclude: Way) -> str:
    """"You can use … instead" for the other ways that work now (none: not said), then where
    the other options are; one sentence a line, so that none wraps into the next."""
    others = [w for w in ordered(ways) if w != exclude]
    switch = [text("identify.use_instead", ways=names(others))] if others else []
    return "\n".join(["", *switch, text("identify.see_help")])


def no_card(ways: Collection[Way]) -> str:
    """Nothing was placed: how to place each card this terminal reads."""
    how = [text(f"identify.how.{w}") for w in ordered(ways) if w in CARD_WAYS]
    return text("identify.no_card", how=text("identify.or").join(how)) if how \
        else text("identify.waiting")


def reader_down(way: Way, ways: Collection[Way]) -> str:
    """One reader is down: name it, and offer only the ways that still work."""
    return text(f"identify.down.{way}") + _way_on(ways, way)


def expired(kind: DocumentKind, ways: Collection[Way]) -> str:
    """A card past its validity: where it is renewed, and what works today."""
    way: Way = "sscard" if kind == "social_security_card" else "id_card"
    return text(f"identify.expired.{way}") + _way_on(ways, way)


def help_text(ways: Collection[Way], hall: StaffedHall | None) -> str:
    """没带证件或读不出？: what a resident can do at this terminal, at any hour."""
    options = []
    if "app" in ways:
        options.append(text("identify.help.app"))
    if "sscard" in ways and "id_card" in ways:  # with only a sscard reader it is the way in
        options.append(text("identify.help.sscard"))
    options.append(text("identify.help.hotline"))
    options.append(text("identify.help.hall", name=hall.name, address=hall.address,
                        hours=hall.hours) if hall else text("identify.help.hall_unknown"))
    # Numbered marks, not "· " bullets: a centred dialog wraps at the space after a bullet.
    marks = text("identify.help.marks")
    return "\n".join([text("identify.help.intro"),
                      *(mark + option for mark, option in zip(marks, options, strict=False))])
