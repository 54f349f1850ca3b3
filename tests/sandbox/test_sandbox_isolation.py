"""Terminals are isolated: a booking, its SMS, its idempotency key and the sandbox's logs
belong to the terminal that made them (issue 10.1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from sandbox_helpers import TODAY, assert_problem, booking_body, resident

from sandbox.sms import SMS_PER_BOOKING_PER_DAY
from sandbox.testing import SandboxHandle, run_sandbox
from services.schemas import (PROBLEM_NOT_FOUND, PROBLEM_RATE_LIMITED,
                              PROBLEM_RESIDENT_SESSION_INVALID, RESIDENT_SESSION_HEADER)

DAY = (TODAY + timedelta(days=1)).isoformat()


class Terminal:
    """One terminal's raw HTTP: its own token against the shared sandbox."""

    def __init__(self, handle: SandboxHandle, token: str) -> None:
        self.url = handle.url
        self.auth = {"Authorization": f"Bearer {token}"}

    def _headers(self, session: str | None) -> dict[str, str]:
        return {**self.auth, **({RESIDENT_SESSION_HEADER: session} if session else {})}

    def get(self, path: str, session: str | None = None) -> requests.Response:
        return requests.get(self.url + path, headers=self._headers(session), timeout=10)

    def post(self, path: str, body: object, key: str,
             session: str | None = None) -> requests.Response:
        return requests.post(self.url + path, json=body, timeout=10,
                             headers={**self._headers(session), "Idempotency-Key": key})


@pytest.fixture
def terminals(tmp_path: Path) -> Iterator[tuple[Terminal, Terminal]]:
    with run_sandbox(tmp_path / "two.db", tokens=["terminal-a", "terminal-b"],
                     today=TODAY) as handle:
        yield Terminal(handle, "terminal-a"), Terminal(handle, "terminal-b")


def _book(t: Terminal, key: str, time: str = "09:00", n: int = 0) -> dict[str, object]:
    r = t.post("/v1/bookings", booking_body("RS-S001", "HALL-CITY", f"HALL-CITY@{DAY}T{time}",
                                            n=n), key)
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_another_terminal_gets_the_same_404_as_for_no_booking(
        terminals: tuple[Terminal, Terminal]) -> None:
    a, b = terminals
    booking = _book(a, "a-1")
    ref = booking["reference"]
    unknown = assert_problem(b.get("/v1/bookings/YY261124ZZZZZZ"), 404, PROBLEM_NOT_FOUND)
    seen = assert_problem(b.get(f"/v1/bookings/{ref}"), 404, PROBLEM_NOT_FOUND)
    # Nothing but the path it answers tells the guesser that the reference is real.
    assert {**seen, "instance": ""} == {**unknown, "instance": ""}
    assert_problem(b.post(f"/v1/bookings/{ref}/cancel", None, "b-cancel"), 404)
    assert_problem(b.post(f"/v1/bookings/{ref}/sms", {"phone": "13900139000"}, "b-sms"), 404)
    # Nothing happened to it: the owner still reads it confirmed, and no SMS went out.
    assert a.get(f"/v1/bookings/{ref}").json() == booking
    assert b.get("/sandbox/sms").json()["messages"] == []
    assert a.post(f"/v1/bookings/{ref}/cancel", None, "a-cancel").json()["status"] == "cancelled"


def test_idempotency_keys_and_logs_are_each_terminals_own(
        terminals: tuple[Terminal, Terminal]) -> None:
    a, b = terminals
    first = _book(a, "same-key")
    # The same key and body from another terminal is that terminal's own write: a booking of
    # its own, not a replay of a's (which would hand b the reference and the masked name).
    theirs = _book(b, "same-key", time="09:30", n=1)
    assert theirs["reference"] != first["reference"]
    a.post(f"/v1/bookings/{first['reference']}/sms", {"phone": "13900139000"}, "a-sms")
    a_ledger = a.get("/sandbox/ledger").json()["writes"]
    b_ledger = b.get("/sandbox/ledger").json()["writes"]
    assert [w["reference"] for w in a_ledger] == [first["reference"]] * 2
    assert [w["reference"] for w in b_ledger] == [theirs["reference"]]
    assert [m["reference"] for m in a.get("/sandbox/sms").json()["messages"]] \
        == [first["reference"]]
    assert b.get("/sandbox/sms").json()["messages"] == []


def test_sms_per_booking_are_rationed_with_retry_after(
        terminals: tuple[Terminal, Terminal]) -> None:
    a, _ = terminals
    ref = _book(a, "a-1")["reference"]
    path = f"/v1/bookings/{ref}/sms"
    for n in range(SMS_PER_BOOKING_PER_DAY):
        assert a.post(path, {"phone": "13900139000"}, f"sms-{n}").status_code == 201
    refused = a.post(path, {"phone": "13700137000"}, "sms-more")
    assert_problem(refused, 429, PROBLEM_RATE_LIMITED)
    assert 1 <= int(refused.headers["Retry-After"]) <= 24 * 3600
    # A resend of one already sent is its replay, not a new message: still answered.
    assert a.post(path, {"phone": "13900139000"}, "sms-0").status_code == 201
    assert len(a.get("/sandbox/sms").json()["messages"]) == SMS_PER_BOOKING_PER_DAY


def _open_session(t: Terminal, n: int = 0) -> str:
    who = resident(n)
    r = requests.post(t.url + "/v1/identity/sessions", timeout=10, headers=t.auth, json={
        "method": "idcard", "id_number": who["id_number"], "name": who["name"],
        "verified_by": "face"})
    assert r.status_code == 201, r.text
    return str(r.json()["token"])


def test_the_residents_own_session_reads_their_booking_at_any_terminal(
        terminals: tuple[Terminal, Terminal]) -> None:
    a, b = terminals
    booking = _book(a, "a-1")
    path = f"/v1/bookings/{booking['reference']}"
    own = _open_session(b)
    assert b.get(path, own).json() == booking  # the resident, at another terminal
    assert b.post(path + "/sms", {"phone": "13900139000"}, "b-sms", own).status_code == 201
    # Another resident's session, or none, sees nothing.
    assert_problem(b.get(path, _open_session(b, n=7)), 404, PROBLEM_NOT_FOUND)
    assert_problem(b.get(path), 404, PROBLEM_NOT_FOUND)
    # Bound to the terminal that opened it: taken to another terminal it is refused.
    assert_problem(a.get(path, own), 401, PROBLEM_RESIDENT_SESSION_INVALID)
    cancelled = b.post(path + "/cancel", None, "b-cancel", own)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_an_ended_session_is_dead(terminals: tuple[Terminal, Terminal]) -> None:
    a, b = terminals
    path = f"/v1/bookings/{_book(a, 'a-1')['reference']}"
    own = _open_session(b)
    assert b.get(path, own).status_code == 200
    end = requests.delete(b.url + "/v1/identity/sessions/current", timeout=10,
                          headers={**b.auth, RESIDENT_SESSION_HEADER: own})
    assert end.status_code == 204
    assert_problem(b.get(path, own), 401, PROBLEM_RESIDENT_SESSION_INVALID)
    assert_problem(requests.delete(b.url + "/v1/identity/sessions/current", timeout=10,
                                   headers={**b.auth, RESIDENT_SESSION_HEADER: own}), 401)
    assert_problem(b.get(path, "made-up-token"), 401, PROBLEM_RESIDENT_SESSION_INVALID)


def test_a_session_expires_and_keeps_no_token(tmp_path: Path) -> None:
    from sandbox import store
    from sandbox.problems import ProblemError
    from sandbox.resident_sessions import SESSION_MINUTES, open_session, resident_of
    from services.schemas import CHINA_TZ, ResidentSessionRequest

    db = tmp_path / "s.db"
    store.initialise(db)
    conn = store.connect(db)
    now = datetime(2026, 12, 1, 3, 0, tzinfo=CHINA_TZ)
    who = resident()
    session = open_session(conn, "t", ResidentSessionRequest(
        method="sscard", id_number=who["id_number"], name=who["name"], verified_by="card"), now)
    assert session.expires_at == now + timedelta(minutes=SESSION_MINUTES)
    assert resident_of(conn, "t", session.token, now + timedelta(minutes=SESSION_MINUTES - 1))
    with pytest.raises(ProblemError):
        resident_of(conn, "t", session.token, now + timedelta(minutes=SESSION_MINUTES))
    conn.close()
    assert session.token.encode() not in db.read_bytes()
