"""What each resident of `kiosk soak` does, drawn from the seed (no Kivy here: the soak draws
the plans before the app's window exists, to give each resident the right card)."""

from __future__ import annotations

import random
from dataclasses import dataclass


#: How the resident identifies: ID card then face, ID card then the staff PIN, the
#: social-security card (then face), the city app's QR code; in this proportion.
WAYS = ("id_card", "id_card", "staff_pin", "sscard", "app_qr")
#: How the session ends: a printed slip, or walked away at a step (the idle reset), or 首页.
ENDS = ("book",) * 6 + ("idle_item", "idle_slot", "idle_confirm", "home")
#: Pinyin initials the residents type on step 1 (each finds 社保, 户籍 … items of the seed).
QUERIES = ("SBK", "SB", "HJ", "JZ", "YB", "GJJ")


@dataclass(frozen=True)
class Plan:
    """What resident `number` does; drawn from the seed, so a run can be repeated."""

    number: int
    way: str
    end: str
    elderly: bool
    letters: str
    pick: int
    type_phone: bool

    @classmethod
    def draw(cls, number: int, seed: int) -> Plan:
        rng = random.Random(f"{seed}:{number}")
        return cls(number=number, way=rng.choice(WAYS), end=rng.choice(ENDS),
                   elderly=number % 4 == 1, letters=rng.choice(QUERIES),
                   pick=rng.randrange(1000), type_phone=rng.random() < 0.2)
