"""Decodes a GA 467 read reply (UCS-2LE text block + WLT photo) into an IdentityDocument."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from devices.idcard.base import IdentityDocument
from devices.idcard.ga467_protocol import InvalidCardData
from devices.idcard.idnumber import is_valid_id_number
from devices.idcard.names import is_valid_name
from devices.idcard.nations import nation_name

TEXT_LEN = 256
PHOTO_LEN = 1024
SEXES = {"1": "男", "2": "女"}
FOR_LIFE = "长期"

# (field, start, end) in bytes of the text block; the rest (36 bytes) is reserved.
_LAYOUT = (
    ("name", 0, 30), ("sex", 30, 32), ("nation", 32, 36), ("birth", 36, 52),
    ("address", 52, 122), ("id_number", 122, 158), ("issuer", 158, 188),
    ("valid_from", 188, 204), ("valid_until", 204, 220),
)
TEXT_USED = _LAYOUT[-1][2]


def split_read_data(data: bytes) -> tuple[bytes, bytes]:
    """(text block, photo) from the data of a 30 01 reply; lengths are checked, not trusted."""
    if len(data) < 4:
        raise InvalidCardData(f"read reply has {len(data)} data bytes, too short for lengths")
    text_len = int.from_bytes(data[0:2], "big")
    photo_len = int.from_bytes(data[2:4], "big")
    if text_len < TEXT_USED or text_len % 2:
        raise InvalidCardData(f"text block of {text_len} bytes (need ≥ {TEXT_USED}, even)")
    if 4 + text_len + photo_len > len(data):
        raise InvalidCardData(f"reply announces {text_len}+{photo_len} bytes, has {len(data) - 4}")
    text = data[4:4 + text_len]
    return text, data[4 + text_len:4 + text_len + photo_len]


def decode_text(block: bytes) -> dict[str, str]:
    """The raw string fields of the text block (padding spaces and NULs stripped)."""
    if len(block) < TEXT_USED:
        raise InvalidCardData(f"text block of {len(block)} bytes is too short")
    fields: dict[str, str] = {}
    for name, start, end in _LAYOUT:
        try:
            value = block[start:end].decode("utf-16-le")
        except UnicodeDecodeError:
            raise InvalidCardData(f"field {name} is not valid UCS-2", reason="bad-encoding") \
                from None
        fields[name] = value.strip(" \x00\u3000")
    return fields


def _date(value: str, field: str) -> date:
    # isascii too: isdigit() holds for other scripts' digits (U+1A90, ０), which int() reads.
    if len(value) != 8 or not (value.isascii() and value.isdigit()):
        raise InvalidCardData(f"field {field} is not a YYYYMMDD date", reason="bad-date")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise InvalidCardData(f"field {field} is not a calendar date", reason="bad-date") from None


def document_from_text(fields: dict[str, str], photo: bytes | None) -> IdentityDocument:
    """Validate and convert fields; every failure is InvalidCardData naming the field only."""
    if not fields["name"]:
        raise InvalidCardData("the card has no name", reason="bad-name")
    if not is_valid_name(fields["name"]):
        raise InvalidCardData("the name holds characters a name cannot", reason="bad-name")
    sex = SEXES.get(fields["sex"])
    if sex is None:
        raise InvalidCardData("field sex has an unknown code", reason="bad-sex")
    nation = nation_name(fields["nation"])
    if nation is None:
        raise InvalidCardData("field nation has an unknown code", reason="bad-nation")
    id_number = fields["id_number"].upper()
    if not is_valid_id_number(id_number):
        raise InvalidCardData("the ID number fails the GB 11643 check", reason="bad-id-number")
    birth = _date(fields["birth"], "birth")
    if id_number[6:14] != fields["birth"]:
        raise InvalidCardData("birth date and ID number disagree", reason="bad-id-number")
    until_raw = fields["valid_until"]
    valid_until = None if until_raw == FOR_LIFE else _date(until_raw, "valid_until")
    return IdentityDocument(
        kind="id_card", name=fields["name"], id_number=id_number, sex=sex, nation=nation,
        birth_date=birth, address=fields["address"], issuer=fields["issuer"],
        valid_from=_date(fields["valid_from"], "valid_from"), valid_until=valid_until,
        phone=None, photo=photo)


def decode_read_data(data: bytes,
                     photo_decoder: Callable[[bytes], bytes] | None = None) -> IdentityDocument:
    """The whole 30 01 reply data → document; `photo_decoder` turns WLT into an image."""
    from devices.idcard.wlt import decode_photo
    text, wlt = split_read_data(data)
    photo = decode_photo(wlt, photo_decoder) if wlt else None
    return document_from_text(decode_text(text), photo)


def encode_text(fields: dict[str, str]) -> bytes:
    """The inverse of decode_text, for emulators and tests: fields padded with spaces."""
    out = bytearray()
    for name, start, end in _LAYOUT:
        raw = fields.get(name, "").encode("utf-16-le")[:end - start]
        out += raw + " ".encode("utf-16-le") * ((end - start - len(raw)) // 2)
    out += b" \x00" * ((TEXT_LEN - len(out)) // 2)
    return bytes(out)
