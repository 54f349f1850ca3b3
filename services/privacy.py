"""Masking of personal data for screens, paper and logs (张*明, 4207**********1234)."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """Keep the first and last character of a name; one character becomes '*'.

    Two-character names keep the family name: 张明 -> 张*.
    """
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """Keep `keep_start` and `keep_end` characters; all stars when nothing would be hidden."""
    value = value.strip()
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_id_number(id_number: str) -> str:
    """Keep the first four and last four characters of an ID or card number."""
    return mask_middle(id_number, 4, 4)


def mask_phone(phone: str) -> str:
    """138****5678."""
    phone = phone.strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
