"""The database outlives the server: a restart keeps bookings, seats and idempotency keys."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sandbox_helpers import TODAY, Api, booking_body

from sandbox.testing import run_sandbox


def test_restart_keeps_state(tmp_path: Path) -> None:
    db = tmp_path / "restart.db"
    slot = f"HALL-CITY@{(TODAY + timedelta(days=1)).isoformat()}T09:00"
    body = booking_body("RS-S001", "HALL-CITY", slot)
    with run_sandbox(db, tokens=["a"], today=TODAY) as first:
        booked = Api(first).post("/v1/bookings", body, key="restart-1").json()
    with run_sandbox(db, tokens=["a"], today=TODAY) as second:
        api = Api(second)
        assert api.get(f"/v1/bookings/{booked['reference']}").json() == booked
        replay = api.post("/v1/bookings", body, key="restart-1")
        assert replay.status_code == 201 and replay.json() == booked
        day = slot.split("@")[1][:10]
        slots = api.get("/v1/items/RS-S001/slots", {"hall": "HALL-CITY", "date": day}).json()
        assert next(s["remaining"] for s in slots["slots"] if s["id"] == slot) == 4


def test_a_database_from_before_the_double_booking_check_gains_it(tmp_path: Path) -> None:
    """A sandbox database made before issue 9 (no holders table, no pseudonym key) is
    upgraded at start; its old bookings are not counted (it never kept ID numbers)."""
    import sqlite3

    db = tmp_path / "old.db"
    day = (TODAY + timedelta(days=1)).isoformat()
    with run_sandbox(db, tokens=["a"], today=TODAY) as first:
        assert Api(first).post("/v1/bookings", booking_body(
            "RS-S001", "HALL-CITY", f"HALL-CITY@{day}T09:00"), key="old-1").status_code == 201
    conn = sqlite3.connect(db)
    conn.executescript("DROP TABLE booking_holders; "
                       "DELETE FROM meta WHERE key = 'resident_key_secret';")
    conn.close()
    with run_sandbox(db, tokens=["a"], today=TODAY) as second:
        api = Api(second)
        again = api.post("/v1/bookings", booking_body("RS-S001", "HALL-CITY",
                                                      f"HALL-CITY@{day}T09:30"), key="old-2")
        assert again.status_code == 201, again.text
        third = api.post("/v1/bookings", booking_body("RS-S001", "HALL-CITY",
                                                      f"HALL-CITY@{day}T10:00"), key="old-3")
        assert third.status_code == 409 and third.json()["reference"] == again.json()["reference"]


def test_a_database_from_before_terminal_ownership_gains_it(tmp_path: Path) -> None:
    """A database made before bookings had an owner starts, and its old bookings are nobody's:
    no terminal may read one (it cannot be told whose it was)."""
    import sqlite3

    db = tmp_path / "unowned.db"
    day = (TODAY + timedelta(days=1)).isoformat()
    with run_sandbox(db, tokens=["a"], today=TODAY) as first:
        old = Api(first).post("/v1/bookings", booking_body(
            "RS-S001", "HALL-CITY", f"HALL-CITY@{day}T09:00"), key="old-1").json()
    conn = sqlite3.connect(db)
    for table in ("bookings", "ledger", "sms"):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN terminal")
    conn.commit()
    conn.close()
    with run_sandbox(db, tokens=["a"], today=TODAY) as second:
        api = Api(second)
        assert api.get(f"/v1/bookings/{old['reference']}").status_code == 404
        new = api.post("/v1/bookings", booking_body("RS-S001", "HALL-CITY",
                                                    f"HALL-CITY@{day}T09:30", n=1), key="new-1")
        assert new.status_code == 201, new.text
        assert api.get(f"/v1/bookings/{new.json()['reference']}").status_code == 200
