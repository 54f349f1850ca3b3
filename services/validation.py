"""Strict checks of what residents and terminals send: ID numbers, phones, names, dates, keys.

Plain functions, no pydantic: the kiosk checks a card read with them before its first frame;
the pydantic field types built on them are in services.field_types."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

# devices/idcard/idnumber.py holds the terminal's copy of the GB 11643 check: the import
# contracts keep services and devices apart, and tests/test_validators_agree.py proves that
# both give the same answer on one corpus.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# [0-9], never \d: \d also matches fullwidth and Arabic-Indic digits. Upper-case X only, as
# GB 11643 writes it; a reader that may see "x" upper-cases before it checks.
_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")
#: Mainland mobile numbers: 1 and ten more ASCII digits.
_PHONE = re.compile(r"1[0-9]{10}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE = re.compile(r"-?[0-9]+")
NAME_MAX_LENGTH = 40
IDEMPOTENCY_KEY_MAX_LENGTH = 200
# Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the three marks:
# each can turn the order of a name on a screen or a slip around.
_BIDI = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                   0x200E, 0x200F, 0x061C))


def check_digit(first17: str) -> str:
    """The 18th character of a GB 11643 number for its first 17 ASCII digits."""
    if not (len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise ValueError("need exactly 17 ASCII digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid_id_number(value: str) -> bool:
    """18 ASCII characters, a real birth date (digits 7–14) and the right check digit."""
    if not _ID_SHAPE.fullmatch(value):
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return check_digit(value[:17]) == value[17]


def is_valid_phone(value: str) -> bool:
    """A mainland mobile number in ASCII digits, nothing around it."""
    return _PHONE.fullmatch(value) is not None


def name_problem(value: str) -> str | None:
    """Why `value` cannot be a resident's name, or None when it can."""
    if not value.strip():
        return "name is empty or whitespace only"
    if len(value) > NAME_MAX_LENGTH:
        return f"name is longer than {NAME_MAX_LENGTH} characters"
    for ch in value:
        if ch in _BIDI:
            return "name holds a bidirectional control character"
        if unicodedata.category(ch) in ("Cc", "Cs"):
            return "name holds a control character"
    return None


def is_valid_idempotency_key(value: str) -> bool:
    """1–200 printable ASCII characters (space to ~, no tab or DEL)."""
    return (0 < len(value) <= IDEMPOTENCY_KEY_MAX_LENGTH
            and all(" " <= ch <= "~" for ch in value))


def date_only(value: object) -> object:
    """A calendar date as YYYY-MM-DD, without a time: pydantic would take 2026-11-24T00:00."""
    if isinstance(value, datetime):
        raise ValueError("a date without a time is needed")
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value):
            raise ValueError("a date is written YYYY-MM-DD")
        return date.fromisoformat(value)
    return value


def timestamp_text(value: object) -> object:
    """An ISO 8601 string (or a datetime built in Python), never a number of seconds."""
    if not isinstance(value, str | datetime):
        raise ValueError("a timestamp is an ISO 8601 string with an offset")
    return value


def whole_number(value: object) -> object:
    """An integer as written in a query string: pydantic would take "1.0" for 1."""
    if isinstance(value, str):
        if not _WHOLE.fullmatch(value):
            raise ValueError("a whole number in ASCII digits is needed")
        return int(value)
    return value
