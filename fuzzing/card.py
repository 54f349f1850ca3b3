"""Card targets: GB 11643 ID numbers (both copies of the check), TLV records, APDU exchanges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from devices.idcard import idnumber as device_ids
from devices.idcard.ga467_protocol import CardReadError, InvalidCardData
from devices.idcard.pcsc_apdu import ApduError, exchange, with_le
from devices.idcard.social_security import SocialSecurityCard, parse_tlv, \
    read_social_security_card
from fuzzing.ga467 import _id_number, _ymd
from fuzzing.source import Source, Target, mutate, mutate_text, text
from services import validation
from services.field_types import IdNumber

_ID_TYPE: TypeAdapter[str] = TypeAdapter(IdNumber)


@dataclass(frozen=True)
class IdCase:
    """A candidate ID number; `valid` when it is known to be right or known to be wrong."""

    value: str
    valid: bool | None


def gen_id_number(src: Source) -> IdCase:
    good = _id_number(src, _ymd(src))
    how = src.num(0, 4)
    if how == 0:
        return IdCase(good, True)
    if how == 1:  # one character changed: MOD 11-2 catches every single substitution
        at = src.num(0, 17)
        other = src.choice([c for c in "0123456789X" if c != good[at]])
        return IdCase(good[:at] + other + good[at + 1:], False)
    if how == 2:
        return IdCase(good.lower() if "X" in good else good + " ", False)
    if how == 3:
        return IdCase(mutate_text(src, good), None)
    return IdCase(text(src, 20, src.choice(("0123456789X", "0123456789xX０１２٣ ")))
                  if src.num(0, 1) else text(src, 20), None)


def check_id_number(case: IdCase) -> bool:
    on_card = device_ids.is_valid_id_number(case.value)
    # The terminal's copy and the platform's copy of the check must never disagree.
    assert validation.is_valid_id_number(case.value) is on_card
    if case.valid is not None:
        assert on_card is case.valid
    try:
        assert _ID_TYPE.validate_python(case.value) == case.value
    except ValidationError:
        assert not on_card
        return False
    assert on_card
    assert device_ids.check_digit(case.value[:17]) == case.value[17]
    return True


@dataclass(frozen=True)
class Record:
    """A TLV record and the tag → value map it was encoded from (None once mutated)."""

    data: bytes
    expected: dict[int, bytes] | None


def _tlv(tag: int, value: bytes, form: int) -> bytes:
    n = len(value)
    if form == 0 and n < 0x80:
        return bytes([tag, n]) + value
    if form == 1 and n < 0x100:
        return bytes([tag, 0x81, n]) + value
    return bytes([tag, 0x82]) + n.to_bytes(2, "big") + value


def gen_tlv(src: Source) -> Record:
    out, expected = bytearray(), {}
    for _ in range(src.num(0, 6)):
        tag, value = src.num(1, 254), src.raw(src.choice((8, 40, 300)))
        out += _tlv(tag, value, src.num(0, 2))
        expected[tag] = value  # a repeated tag: the last one wins
    out += b"\x00" * src.num(0, 3) + b"\xff" * src.num(0, 3)
    if src.num(0, 2) == 0:
        return Record(bytes(out), expected)
    if src.num(0, 3) == 0:
        return Record(src.raw(300), None)
    return Record(mutate(src, bytes(out), 4), None)


def check_tlv(record: Record) -> bool:
    try:
        tlvs = parse_tlv(record.data)
    except InvalidCardData:
        assert record.expected is None
        return False
    assert all(0 < tag < 0xFF and isinstance(v, bytes) for tag, v in tlvs.items())
    assert sum(len(v) for v in tlvs.values()) <= len(record.data)
    if record.expected is not None:
        assert tlvs == record.expected
    return True


@dataclass(frozen=True)
class Exchange:
    """A command APDU and the card's scripted answers (data, SW1, SW2)."""

    apdu: bytes
    answers: tuple[tuple[bytes, int, int], ...]
    whole_read: bool  # run the social-security read over the script, not one exchange


_SW1 = (0x90, 0x61, 0x6C, 0x6A, 0x62, 0x69, 0x00, 0xFF)


def _answer(src: Source) -> tuple[bytes, int, int]:
    if src.num(0, 3) == 0:
        value = src.choice((b"", _id_number(src, _ymd(src)).encode(), "张三".encode("gbk"),
                            src.raw(20)))
        return bytes([src.num(1, 16), len(value)]) + value, 0x90, 0x00
    return src.raw(24), src.choice(_SW1), src.num(0, 255)


def gen_exchange(src: Source) -> Exchange:
    apdu = src.choice((b"\x00\xb2\x07\x04\x00", b"\x00\xa4\x02\x00\x02\xef\x05", src.raw(9)))
    answers = tuple(_answer(src) for _ in range(src.num(0, 24)))
    return Exchange(mutate(src, apdu, 2), answers, src.num(0, 1) == 1)


class _Card:
    """Plays the script; after it, 90 00 with no data (never 61xx: the chain must end)."""

    def __init__(self, answers: tuple[tuple[bytes, int, int], ...]) -> None:
        self.answers, self.sent = list(answers), list[bytes]()

    def __call__(self, apdu: bytes) -> tuple[bytes, int, int]:
        self.sent.append(apdu)
        return self.answers.pop(0) if self.answers else (b"", 0x90, 0x00)


def check_exchange(case: Exchange) -> bool:
    card = _Card(case.answers)
    try:
        if case.whole_read:
            read = read_social_security_card(lambda apdu: exchange(card, apdu))
            assert isinstance(read, SocialSecurityCard)
            assert device_ids.is_valid_id_number(read.document.id_number)
            return True
        data, sw = exchange(card, case.apdu)
    except (ApduError, InvalidCardData, CardReadError):
        return False
    assert 0 <= sw <= 0xFFFF and sw >> 8 != 0x61 and isinstance(data, bytes)
    for sent in card.sent[1:]:
        # Every follow-up is a GET RESPONSE or the command again with a new Le.
        assert sent[1:4] == b"\xc0\x00\x00" or sent[:4] == case.apdu[:4]
    try:
        with_le(case.apdu, sw & 0xFF)
    except ApduError:
        pass
    return True


TARGETS: tuple[Target[Any], ...] = (
    Target("id_number", "GB 11643 numbers: right ones, single typos, case and any text -> "
           "both copies of the check and the IdNumber schema type", gen_id_number,
           check_id_number),
    Target("tlv", "social-security records: encoded TLVs (short, 81, 82 forms, padding) "
           "round-trip; damaged ones are InvalidCardData", gen_tlv, check_tlv),
    Target("apdu_exchange", "command APDUs and scripted card answers (61xx, 6Cxx, errors) -> "
           "exchange, with_le and the whole social-security read", gen_exchange,
           check_exchange),
)
