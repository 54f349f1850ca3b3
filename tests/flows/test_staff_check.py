"""Staff assistance instead of the face: the PIN is checked against its hash, tries are limited."""

from __future__ import annotations

from kiosk.flows.identify.staff_check import StaffCheck, pin_hash, valid_pin_hash


def test_the_right_pin_approves() -> None:
    check = StaffCheck(pin_hash("246810"))
    result = check.check("246810")
    assert result.approved and result.message == "工作人员已核验，请继续办理。"


def test_wrong_pins_say_so_plainly_then_lock() -> None:
    check = StaffCheck(pin_hash("246810"), max_tries=3)
    first = check.check("111111")
    assert first.outcome == "wrong" and "还可以输 2 次" in first.message
    assert check.check("222222").tries_left == 1
    last = check.check("333333")
    assert last.outcome == "locked" and "人工窗口" in last.message
    # Locked means locked, even for the right PIN: no guessing at the screen.
    assert check.check("246810").outcome == "locked"


def test_typos_do_not_use_up_a_try() -> None:
    check = StaffCheck(pin_hash("246810"))
    for entry in ("", "12", "abcdef", "１２３４５６", "1" * 13):
        assert check.check(entry).outcome == "bad-input"
    assert check.tries_left == 3


def test_without_a_configured_hash_staff_are_sent_to_the_counter() -> None:
    for configured in (None, "", "not-a-hash"):
        result = StaffCheck(configured).check("246810")
        assert result.outcome == "not-configured" and "人工窗口" in result.message


def test_hash_format() -> None:
    assert valid_pin_hash(pin_hash("0000"))
    assert not valid_pin_hash(pin_hash("0000").upper()) and not valid_pin_hash("abc")
    assert StaffCheck(pin_hash("0000").upper()).check("0000").approved
