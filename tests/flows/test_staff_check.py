"""Staff assistance instead of the face: the PIN is checked against its hash, tries are limited
per resident and per terminal over time (kept across residents, sessions and restarts)."""

from __future__ import annotations

import logging
import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devices.camera.qr_worker import IsolatedQrDecoder
from devices.camera.simulated import simulated_camera
from devices.idcard.simulated import load_residents, simulated_idcard
from kiosk.flows.identify.pin_guard import PinGuard, SqlitePinLog
from kiosk.flows.identify.staff_check import StaffCheck, pin_hash, valid_pin_hash
from services.schemas import CHINA_TZ


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


# -- per terminal, over time: a new card or a new session does not buy more guesses ---------
RIGHT = "246810"
WRONG = ("111111", "222222", "333333", "444444", "555555")


class Clock:
    """The injected clock, moved by hand (China time)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 3, 0, tzinfo=CHINA_TZ)

    def __call__(self) -> datetime:
        return self.now

    def wait(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def resident(db: Path, clock: Clock, max_tries: int = 3) -> StaffCheck:
    """A new resident (card placed again, new session) on a freshly started app: everything
    is built anew except the file beside the outbox."""
    guard = PinGuard(SqlitePinLog(db), clock, limit=5, window_s=15 * 60, lock_s=15 * 60)
    return StaffCheck(pin_hash(RIGHT), max_tries, guard=guard)


def test_five_wrong_pins_in_fifteen_minutes_lock_the_terminal_across_residents(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    db, clock = tmp_path / "staff-pin.db", Clock()
    first = resident(db, clock)
    for pin in WRONG[:3]:
        clock.wait(minutes=1)
        first.check(pin)
    assert first.check(RIGHT).outcome == "locked"  # this resident's own limit, as before
    second = resident(db, clock)  # the card placed again
    clock.wait(minutes=1)
    assert second.check(WRONG[3]).outcome == "wrong"
    clock.wait(minutes=1)
    fifth = second.check(WRONG[4])
    assert fifth.outcome == "locked" and "03:20" in fifth.message  # 03:05 + 15 min
    # A new session on a restarted app: still locked, the right PIN is not even compared.
    third = resident(db, clock)
    assert third.tries_left == 0 and "03:20" in third.locked_message()
    assert third.check(RIGHT).outcome == "locked"
    clock.wait(minutes=14, seconds=59)
    assert resident(db, clock).check(RIGHT).outcome == "locked"
    clock.wait(seconds=2)
    assert resident(db, clock).check(RIGHT).approved
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "staff PIN entry locked on this terminal for 15 min" in logged
    for pin in (RIGHT, *WRONG):
        assert pin not in logged


def test_wrong_pins_further_apart_than_the_window_do_not_lock(tmp_path: Path) -> None:
    db, clock = tmp_path / "staff-pin.db", Clock()
    for pin in WRONG[:4]:
        resident(db, clock).check(pin)
        clock.wait(minutes=1)
    clock.wait(minutes=15)  # the first four slid out of the window
    assert resident(db, clock).check(WRONG[4]).outcome == "wrong"
    assert resident(db, clock).check(RIGHT).approved


def test_the_right_pin_forgives_the_slips_before_it(tmp_path: Path) -> None:
    db, clock = tmp_path / "staff-pin.db", Clock()
    for pin in WRONG[:4]:
        resident(db, clock).check(pin)
    assert resident(db, clock).check(RIGHT).approved
    for pin in WRONG[:4]:
        assert resident(db, clock).check(pin).outcome == "wrong"


def test_an_unwritable_pin_log_still_counts_in_this_process(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    guard = PinGuard(SqlitePinLog(tmp_path), clock, limit=5)  # a folder: not a database
    for pin in WRONG[:3]:
        StaffCheck(pin_hash(RIGHT), guard=guard).check(pin)
    outcomes = [StaffCheck(pin_hash(RIGHT), guard=guard).check(p).outcome for p in WRONG[3:]]
    assert outcomes == ["wrong", "locked"]
    assert "counting in memory only" in caplog.text


def test_the_app_builds_every_residents_staff_check_on_the_terminals_count(
        tmp_path: Path) -> None:
    """kiosk.tasks.identify wires it: each identification's face check shares the file
    beside the outbox, with the configured numbers."""
    from kiosk.tasks.identify import start
    clock = Clock()
    ctx = terminal(tmp_path, clock, "[face_check]\nstaff_pin_terminal_tries = 2\n"
                                    "staff_pin_lock_minutes = 30\n")
    card = load_residents()[0]
    outcomes = []
    for pin in WRONG[:2]:
        flow = start(ctx, None)  # a new identification each time
        assert flow._make_face is not None
        staff = flow._make_face(card).staff
        assert staff is not None
        outcomes.append(staff.check(pin))
        flow.wipe()
    assert [o.outcome for o in outcomes] == ["wrong", "locked"]
    assert "03:30" in outcomes[-1].message
    assert (tmp_path / "staff-pin.db").exists()


def terminal(tmp_path: Path, clock: Clock, extra: str) -> Any:
    """The few parts of a TerminalContext the identification task reads."""
    from types import SimpleNamespace

    from kiosk.config import parse_config
    raw = tomllib.loads(f"""
[platform]
url = "http://127.0.0.1:9"
token = "t"
[terminal]
staff_pin_sha256 = "{pin_hash(RIGHT)}"
[devices.printer]
backend = "simulated"
out_dir = "{tmp_path}"
[outbox]
db = "{tmp_path / 'outbox.db'}"
{extra}""")
    # The decoder's worker starts at the first frame, and nothing here reads one.
    devices = SimpleNamespace(idcard=simulated_idcard()[0], sscard=None,
                              camera=simulated_camera()[0], qr_decoder=IsolatedQrDecoder())
    return SimpleNamespace(config=parse_config(raw), devices=devices, client=None,
                           catalogue=None, clock=clock)


def test_the_pin_log_is_owner_only_under_umask_022(tmp_path: Path) -> None:
    import os
    import stat

    db = tmp_path / "state" / "staff-pin.db"
    old = os.umask(0o022)
    try:
        check = resident(db, Clock())
        check.check("000000")
    finally:
        os.umask(old)
    assert db.exists()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
