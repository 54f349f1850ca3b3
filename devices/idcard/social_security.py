"""The social-security card (社会保障卡) as vendors' programs read it: SSSE AID, EF05/EF06 TLVs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from devices.idcard.base import IdentityDocument
from devices.idcard.ga467_protocol import CardReadError, InvalidCardData
from devices.idcard.idnumber import is_valid_id_number
from devices.idcard.names import is_valid_name
from devices.idcard.nations import nation_name
from devices.idcard.pcsc_apdu import ApduError

# "sx1.sh.社会保障" with the last four characters in GBK.
SSSE_AID = bytes.fromhex("7378312E73682EC9E7BBE1B1A3D5CF")
EF05, EF06 = b"\xef\x05", b"\xef\x06"
# Record numbers as vendors' reading programs use them; each record holds one TLV whose tag
# repeats the record number.
CARD_NUMBER = (EF05, 0x07)
ISSUED, EXPIRES = (EF05, 0x05), (EF05, 0x06)
SSN, NAME, SEX, NATION, BIRTH = (EF06, 0x01), (EF06, 0x02), (EF06, 0x03), (EF06, 0x04), (EF06, 0x06)
# Cards numbered as in the national card specification keep the same EF06 fields in records
# 08 (number), 09 (name), 0A (sex), 0B (nation) and 0D (birth date): tried when the first is absent.
_SPEC_NUMBERS = {SSN: 0x08, NAME: 0x09, SEX: 0x0A, NATION: 0x0B, BIRTH: 0x0D}

SW_OK = 0x9000
_ABSENT = (0x6A82, 0x6A83, 0x6A88)  # file / record / data not found: an optional field
_SEXES = {"1": "男", "2": "女"}

Transmit = Callable[[bytes], tuple[bytes, int]]


class NotSocialSecurityCard(CardReadError):
    """The card in the reader has no social-security application."""

    default_reason = "not-social-security-card"


@dataclass(frozen=True)
class SocialSecurityCard:
    """The card number plus the holder's document. Personal data: never log it."""

    card_number: str
    document: IdentityDocument

    def __repr__(self) -> str:
        masked = self.card_number[:1] + "*" * max(0, len(self.card_number) - 2) + \
            self.card_number[-1:]
        return f"SocialSecurityCard(card_number={masked!r}, document={self.document!r})"

    __str__ = __repr__


def parse_tlv(data: bytes) -> dict[int, bytes]:
    """Tag → value for simple TLVs (1-byte tag; 1-byte length, or 81/82 long form)."""
    out: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        tag = data[i]
        if tag in (0x00, 0xFF):  # padding after the last TLV in a fixed-size record
            i += 1
            continue
        if i + 1 >= len(data):
            raise InvalidCardData("record ends inside a TLV header", reason="bad-tlv")
        length, i = data[i + 1], i + 2
        if length in (0x81, 0x82):
            n = length - 0x80
            if i + n > len(data):
                raise InvalidCardData("record ends inside a TLV length", reason="bad-tlv")
            length, i = int.from_bytes(data[i:i + n], "big"), i + n
        elif length > 0x80:
            raise InvalidCardData("unsupported TLV length form", reason="bad-tlv")
        if i + length > len(data):
            raise InvalidCardData("TLV value runs past the record", reason="bad-tlv")
        out[tag] = bytes(data[i:i + length])
        i += length
    return out


def _check(sw: int, what: str) -> None:
    if sw != SW_OK:
        raise ApduError(f"{what}: card answered {sw:04X}", sw=sw)


def _select_file(transmit: Transmit, fid: bytes) -> None:
    _, sw = transmit(b"\x00\xa4\x02\x00\x02" + fid)
    _check(sw, f"SELECT {fid.hex().upper()}")


def _record(transmit: Transmit, number: int) -> bytes | None:
    """The value of record `number` (None when the card does not have it)."""
    data, sw = transmit(bytes([0x00, 0xB2, number, 0x04, 0x00]))
    if sw in _ABSENT:
        return None
    _check(sw, f"READ RECORD {number:02X}")
    tlvs = parse_tlv(data)
    value = tlvs.get(number, next(iter(tlvs.values()), None))
    return value


def _text(raw: bytes, field: str, encoding: str = "ascii") -> str:
    try:
        return raw.decode(encoding).strip(" \x00\xff\u3000")
    except UnicodeDecodeError:
        raise InvalidCardData(f"field {field} is not valid {encoding}",
                              reason="bad-encoding") from None


def _digits(raw: bytes, field: str) -> str:
    """ASCII digits as stored, or packed BCD (cards do both for dates and codes)."""
    text = raw.decode("ascii", errors="replace").strip(" \x00")
    if text.isdigit():
        return text
    bcd = raw.hex()
    if bcd.isdigit():
        return bcd
    raise InvalidCardData(f"field {field} is neither ASCII digits nor BCD", reason="bad-field")


def _date(raw: bytes | None, field: str) -> date | None:
    if raw is None or not raw.strip(b"\x00\xff "):
        return None
    value = _digits(raw, field)
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:8])) if len(value) == 8 \
            else None
    except ValueError:
        raise InvalidCardData(f"field {field} is not a calendar date", reason="bad-date") from None


def read_social_security_card(transmit: Transmit) -> SocialSecurityCard:
    """Run the whole read on a connected card; ApduError / InvalidCardData on trouble."""
    _, sw = transmit(b"\x00\xa4\x04\x00" + bytes([len(SSSE_AID)]) + SSSE_AID)
    if sw in _ABSENT:
        raise NotSocialSecurityCard("this card has no social-security application")
    _check(sw, "SELECT SSSE")
    fields: dict[tuple[bytes, int], bytes | None] = {}
    for ef, numbers in ((EF05, (CARD_NUMBER, ISSUED, EXPIRES)),
                        (EF06, (SSN, NAME, SEX, NATION, BIRTH))):
        _select_file(transmit, ef)
        for key in numbers:
            value = _record(transmit, key[1])
            if value is None and key in _SPEC_NUMBERS:
                value = _record(transmit, _SPEC_NUMBERS[key])
            fields[key] = value
    for required, what in ((CARD_NUMBER, "card number"), (SSN, "social-security number"),
                           (NAME, "name")):
        if not fields[required]:
            raise InvalidCardData(f"the card has no {what}", reason="missing-field")
    return SocialSecurityCard(_text(fields[CARD_NUMBER] or b"", "card_number"),
                              _document(fields))


def _document(fields: dict[tuple[bytes, int], bytes | None]) -> IdentityDocument:
    id_number = _text(fields[SSN] or b"", "ssn").upper()
    if not is_valid_id_number(id_number):
        raise InvalidCardData("the social-security number fails the GB 11643 check",
                              reason="bad-id-number")
    name = _text(fields[NAME] or b"", "name", "gbk")
    if not name:
        raise InvalidCardData("the card has an empty name", reason="missing-field")
    if not is_valid_name(name):
        raise InvalidCardData("the name holds characters a name cannot", reason="bad-name")
    raw_sex = fields[SEX]
    sex_code = _digits(raw_sex, "sex")[-1:] if raw_sex else ""
    # Where the card leaves a field out, the ID number still says it (GB 11643).
    sex = _SEXES.get(sex_code) or ("男" if int(id_number[16]) % 2 else "女")
    raw_nation = fields[NATION]
    nation = ""
    if raw_nation and raw_nation.strip(b"\x00\xff "):
        nation = nation_name(_digits(raw_nation, "nation")[-2:]) or ""
        if not nation:
            raise InvalidCardData("field nation has an unknown code", reason="bad-nation")
    birth = _date(fields[BIRTH], "birth") or _date(id_number[6:14].encode(), "ssn")
    assert birth is not None  # is_valid_id_number() checked that date
    return IdentityDocument(
        kind="social_security_card", name=name, id_number=id_number, sex=sex, nation=nation,
        birth_date=birth, address="", issuer="",
        # Unknown dates: date.min reads as "not on the card", never as a real issue date.
        valid_from=_date(fields[ISSUED], "issued") or date.min,
        valid_until=_date(fields[EXPIRES], "expires"), phone=None, photo=None)

