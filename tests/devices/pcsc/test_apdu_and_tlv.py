"""APDU exchange rules (61xx, 6Cxx) and the social-security TLV parser (fuzzed: fuzzing/card.py)."""

from __future__ import annotations

import pytest

from devices.idcard.ga467_protocol import InvalidCardData
from devices.idcard.pcsc_apdu import ApduError, exchange, with_le
from devices.idcard.social_security import parse_tlv


class ScriptedCard:
    """Answers from a list, recording what was sent (a stand-in for SCardTransmit)."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.sent: list[str] = []

    def __call__(self, apdu: bytes) -> tuple[bytes, int, int]:
        self.sent.append(apdu.hex().upper())
        answer = self.answers.pop(0)
        return answer[:-2], answer[-2], answer[-1]


def test_get_response_chain() -> None:
    card = ScriptedCard([b"\x61\x03", b"abc\x61\x02", b"de\x90\x00"])
    assert exchange(card, bytes.fromhex("00A4040002EF05")) == (b"abcde", 0x9000)
    assert card.sent[1:] == ["00C0000003", "00C0000002"]


def test_wrong_le_is_resent() -> None:
    card = ScriptedCard([b"\x6c\x0b", b"x" * 11 + b"\x90\x00"])
    assert exchange(card, bytes.fromhex("00B2070400")) == (b"x" * 11, 0x9000)
    assert card.sent == ["00B2070400", "00B207040B"]


def test_endless_chain_is_an_error() -> None:
    card = ScriptedCard([b"\x61\x01"] * 100)
    with pytest.raises(ApduError):
        exchange(card, bytes.fromhex("00B2070400"))


@pytest.mark.parametrize(("apdu", "expected"), [
    ("00B20704", "00B207040B"), ("00B2070400", "00B207040B"),
    ("00A4020002EF05", "00A4020002EF050B"), ("00A4020002EF0500", "00A4020002EF050B")])
def test_with_le(apdu: str, expected: str) -> None:
    assert with_le(bytes.fromhex(apdu), 11).hex().upper() == expected


def test_tlv_forms() -> None:
    assert parse_tlv(bytes.fromhex("0703414243") + b"\x00\xff") == {7: b"ABC"}
    assert parse_tlv(bytes.fromhex("018103") + b"xyz") == {1: b"xyz"}
    with pytest.raises(InvalidCardData):
        parse_tlv(bytes.fromhex("0705AB"))


@pytest.mark.parametrize("apdu", [b"", b"\x00", b"\x00\xa4\x04"])
def test_a_61xx_answer_to_a_short_apdu_is_a_typed_error(apdu: bytes) -> None:
    # GET RESPONSE takes its CLA from the command: without a header there is none to take.
    card = ScriptedCard([b"\x61\x10", b"abc\x90\x00"])
    with pytest.raises(ApduError) as err:
        exchange(card, apdu)
    assert err.value.reason == "bad-apdu"


def test_a_6cxx_answer_to_an_empty_apdu_is_a_typed_error() -> None:
    with pytest.raises(ApduError):
        exchange(ScriptedCard([b"\x6c\x10", b"abc\x90\x00"]), b"")
