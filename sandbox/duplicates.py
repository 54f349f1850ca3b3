"""One active booking per resident, item and day: the check, the record and the 409 it sends."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from datetime import date, datetime

from services.schemas import PROBLEM_DUPLICATE_BOOKING, HeldBooking

from .problems import ProblemError

#: The meta row holding the key of the resident pseudonyms (made on first start).
SECRET_META_KEY = "resident_key_secret"

#: Who holds which booking, by pseudonym: the database keeps no ID number. At most one active
#: row per resident, item and day; the partial unique index backs the check in `refuse_double`.
SCHEMA = """
CREATE TABLE IF NOT EXISTS booking_holders (
    reference TEXT PRIMARY KEY, resident_key TEXT NOT NULL, item_id TEXT NOT NULL,
    day TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1);
CREATE UNIQUE INDEX IF NOT EXISTS booking_holders_one_a_day
    ON booking_holders (resident_key, item_id, day) WHERE active = 1;
"""

TITLE = "您在这一天已预约过这个事项，同一事项同一天只能预约一次。"


def ensure_secret(conn: sqlite3.Connection) -> None:
    """Make the pseudonym key once (inside the caller's transaction); it never changes."""
    conn.execute("INSERT OR IGNORE INTO meta VALUES (?, ?)",
                 (SECRET_META_KEY, secrets.token_hex(32)))


def resident_key(conn: sqlite3.Connection, id_number: str) -> str:
    """A keyed pseudonym of the ID number: equal for one resident, useless without the key."""
    # store.initialise made the key (every start makes it if missing).
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (SECRET_META_KEY,)).fetchone()
    return hmac.new(bytes.fromhex(row["value"]), id_number.encode(), hashlib.sha256).hexdigest()


def held(conn: sqlite3.Connection, rkey: str, item_id: str, day: date) -> HeldBooking | None:
    """The resident's active booking of `item_id` on `day`, if there is one."""
    row = conn.execute(
        "SELECT b.data FROM booking_holders h JOIN bookings b ON b.reference = h.reference "
        "WHERE h.resident_key = ? AND h.item_id = ? AND h.day = ? AND h.active = 1 "
        "AND b.status = 'confirmed' LIMIT 1", (rkey, item_id, day.isoformat())).fetchone()
    return HeldBooking.model_validate(json.loads(row["data"])) if row else None


def refuse_double(conn: sqlite3.Connection, id_number: str, item_id: str, day: date) -> str:
    """Raise 409 duplicate-booking when the resident already holds this item on `day`;
    else return their pseudonym for `record` (inside the caller's write transaction)."""
    rkey = resident_key(conn, id_number)
    existing = held(conn, rkey, item_id, day)
    if existing is not None:
        raise refusal(existing)
    return rkey


def refusal(existing: HeldBooking) -> ProblemError:
    return ProblemError(409, PROBLEM_DUPLICATE_BOOKING, TITLE,
                        f"an active booking {existing.reference} of this resident holds this "
                        "item on this day", extensions=existing.model_dump(mode="json"))


def record(conn: sqlite3.Connection, reference: str, rkey: str, item_id: str, day: date) -> None:
    conn.execute("INSERT INTO booking_holders (reference, resident_key, item_id, day) "
                 "VALUES (?, ?, ?, ?)", (reference, rkey, item_id, day.isoformat()))


def release(conn: sqlite3.Connection, reference: str) -> None:
    """The booking was cancelled: it no longer counts."""
    conn.execute("UPDATE booking_holders SET active = 0 WHERE reference = ?", (reference,))


def held_from(exc: ProblemError) -> HeldBooking | None:
    """The booking a duplicate-booking refusal names (None for any other problem)."""
    if exc.type != PROBLEM_DUPLICATE_BOOKING or not exc.extensions:
        return None
    return HeldBooking.model_validate(exc.extensions)


def plain_reason(existing: HeldBooking) -> str:
    """The refusal in the resident's words, for the SMS and the provisional outcome."""
    start: datetime = existing.start
    return (f"您已预约{start.month}月{start.day}日 {start.hour}:{start.minute:02d} "
            f"{existing.hall_name}的“{existing.item_name}”（预约号 {existing.reference}），"
            "同一事项同一天只能预约一次。")
