"""The terminal's checks (devices) and the platform's (services) agree on one corpus."""

from __future__ import annotations

import pytest

from devices.idcard import idnumber as terminal
from devices.idcard import names
from devices.idcard.simulated import load_residents
from services import validation as platform
from tests.validation_corpus import BAD_ID_NUMBERS, BAD_NAMES, GOOD_ID_NUMBERS, GOOD_NAMES


@pytest.mark.parametrize("value", GOOD_ID_NUMBERS + [p.id_number for p in load_residents()])
def test_both_accept(value: str) -> None:
    assert terminal.is_valid_id_number(value)
    assert platform.is_valid_id_number(value)


@pytest.mark.parametrize("value", BAD_ID_NUMBERS)
def test_both_refuse(value: str) -> None:
    assert not terminal.is_valid_id_number(value)
    assert not platform.is_valid_id_number(value)


@pytest.mark.parametrize("first17", ["11010519491231002", "42010219900101001", "00000019000101000"])
def test_same_check_digit(first17: str) -> None:
    assert terminal.check_digit(first17) == platform.check_digit(first17)


@pytest.mark.parametrize("first17", ["１" * 17, "1101051949123100", "٠" * 17])
def test_check_digit_needs_17_ascii_digits(first17: str) -> None:
    with pytest.raises(ValueError):
        terminal.check_digit(first17)
    with pytest.raises(ValueError):
        platform.check_digit(first17)


@pytest.mark.parametrize("value", GOOD_NAMES + [p.name for p in load_residents()])
def test_both_accept_the_name(value: str) -> None:
    assert names.is_valid_name(value)
    assert platform.name_problem(value) is None


@pytest.mark.parametrize("value", BAD_NAMES)
def test_both_refuse_the_name(value: str) -> None:
    assert not names.is_valid_name(value)
    assert platform.name_problem(value)
