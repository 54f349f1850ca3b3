"""GB 11643 check digits, and the validity of every ID number in the residents fixture."""

from __future__ import annotations

import pytest

from devices.idcard.idnumber import check_digit, is_valid_id_number
from devices.idcard.simulated import load_residents


def test_check_digit_known_example() -> None:
    # The worked example of GB 11643-1999: 11010519491231002 -> X.
    assert check_digit("11010519491231002") == "X"
    assert is_valid_id_number("11010519491231002X")
    assert not is_valid_id_number("11010519491231002x")  # GB 11643 writes X; readers upper-case


@pytest.mark.parametrize("bad", ["110105194912310021", "11010519491331002X", "1101051949123100",
                                 "11010519491231002Y", "", "abcdefghijklmnopqr"])
def test_invalid_numbers(bad: str) -> None:
    assert not is_valid_id_number(bad)


def test_check_digit_rejects_wrong_length() -> None:
    with pytest.raises(ValueError):
        check_digit("123")


def test_every_fixture_resident_has_a_valid_id_number() -> None:
    residents = load_residents()
    assert len(residents) >= 5
    for person in residents:
        assert is_valid_id_number(person.id_number), person
        # The 17th digit is odd for men and even for women.
        assert (int(person.id_number[16]) % 2 == 1) == (person.sex == "男"), person
        assert person.id_number[6:14] == person.birth_date.strftime("%Y%m%d"), person


def test_fixture_is_fictitious_and_varied() -> None:
    residents = load_residents()
    assert all("江汉市" in p.address or "江汉市" in p.issuer for p in residents)
    assert any(p.birth_date.year < 1950 for p in residents), "needs an elderly resident"
    assert any(p.id_number.endswith("X") for p in residents), "needs an X check digit"
    assert any(p.kind == "social_security_card" for p in residents)
    assert all(p.phone and len(p.phone) == 11 for p in residents)
