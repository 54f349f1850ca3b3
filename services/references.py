"""Booking references residents can read aloud and nobody can guess: date, random, check."""

from __future__ import annotations

import re
import secrets
from datetime import date

#: No 0/O, 1/I/L: a reference is read aloud over the phone and typed from paper.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RANDOM_CHARS = 5  # 31⁵ ≈ 28.6 million per day: guessing one of a day's bookings is hopeless
_SHAPE = re.compile(rf"[A-Z]{{2}}\d{{6}}[{ALPHABET}]{{{RANDOM_CHARS + 1}}}")


def _values(body: str) -> list[int]:
    # The two-letter prefix is fixed and not counted; a date digit counts as itself, a random
    # character as its place in ALPHABET.
    return [int(c) for c in body[2:8]] + [ALPHABET.index(c) for c in body[8:]]


def check_char(body: str) -> str:
    """A weighted sum modulo 31 (a prime: weights 1, 2, 3 … are all invertible), so any one
    wrong character and any swap of two different neighbours change the check."""
    n = len(ALPHABET)
    values = _values(body)
    total = sum((i + 1) * v for i, v in enumerate(values))
    weight = len(values) + 1  # the check character's own weight; < 31, so invertible
    # Solve total + weight·c ≡ 0 (mod 31) for c.
    return ALPHABET[(-total * pow(weight, -1, n)) % n]


def new_reference(prefix: str, day: date) -> str:
    """prefix (two letters) + yymmdd + five random characters + one check character."""
    # One uniform draw from the OS, written in base 31 (its digits are uniform and independent
    # too): a booking drew five before, one system call each.
    n = secrets.randbelow(len(ALPHABET) ** RANDOM_CHARS)
    chars = []
    for _ in range(RANDOM_CHARS):
        n, digit = divmod(n, len(ALPHABET))
        chars.append(ALPHABET[digit])
    body = prefix + day.strftime("%y%m%d") + "".join(chars)
    return body + check_char(body)


def is_valid_reference(text: str) -> bool:
    """The shape and the check character of a reference (a typo is caught before a lookup)."""
    return bool(_SHAPE.fullmatch(text)) and check_char(text[:-1]) == text[-1]
