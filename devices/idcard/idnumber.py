"""GB 11643-1999 citizen identity numbers: the ISO 7064 MOD 11-2 check digit."""

from __future__ import annotations

import re
from datetime import date

# services/validation.py holds the platform's copy of this check: the import contracts keep
# devices and services apart, and tests/test_validators_agree.py proves both agree.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# [0-9], never \d, which also matches fullwidth and Arabic-Indic digits.
_SHAPE = re.compile(r"[0-9]{17}[0-9X]")


def check_digit(first17: str) -> str:
    """Return the 18th character for the first 17 ASCII digits."""
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise ValueError("need exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def is_valid_id_number(s: str) -> bool:
    """Shape, birth date and check digit of the number exactly as given: upper-case X only
    (as GB 11643 writes it) and no spaces; a reader upper-cases and trims what a card holds
    before it checks."""
    if not _SHAPE.fullmatch(s):
        return False
    try:
        date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return False
    return check_digit(s[:17]) == s[17]
