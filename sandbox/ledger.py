"""Bookings with capacity and idempotency, each write in one BEGIN IMMEDIATE transaction."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from services.privacy import mask_id_number, mask_name
from services.references import new_reference
from services.schemas import (PROBLEM_ALREADY_CANCELLED, PROBLEM_IDEMPOTENCY_KEY_REUSED,
                              PROBLEM_NOT_BOOKABLE, PROBLEM_NOT_FOUND, PROBLEM_SLOT_FULL,
                              PROBLEM_SLOT_UNAVAILABLE, Booking, BookingRequest, Slot)

from . import duplicates
from . import slots as sl
from .problems import ProblemError
from .pool import write_transaction
from .store import Catalogue

REFERENCE_PREFIX = "YY"

#: A stored answer to replay: HTTP status and the JSON body.
Outcome = tuple[int, dict[str, Any]]


def fingerprint(operation: str, body: dict[str, Any] | None) -> str:
    """What a key was first used for; the body is canonicalised so whitespace does not count."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{operation}\n{canonical}".encode()).hexdigest()


def scoped(terminal: str, key: str) -> str:
    """The idempotency row of `key` sent by `terminal`: keys are one terminal's own, so
    another terminal sending the same key neither replays nor blocks this one's write."""
    return f"{terminal}/{key}"


def write(conn: sqlite3.Connection, terminal: str, kind: str, key: str, fp: str,
          action: Callable[[], Outcome], now: datetime,
          reference: Callable[[dict[str, Any]], Any] = lambda body: body.get("reference"),
          ) -> Outcome:
    """Replay the stored outcome of `terminal`'s `key`, or run `action` and store its
    outcome, atomically.

    BEGIN IMMEDIATE takes the write lock before reading, so two requests racing for the last
    seat (or sharing one key) are serialised and never both see the seat free.
    """
    with write_transaction(conn):
        row = conn.execute("SELECT fingerprint, status, body FROM idempotency WHERE key = ?",
                           (scoped(terminal, key),)).fetchone()
        if row is not None:
            if row["fingerprint"] != fp:
                raise ProblemError(422, PROBLEM_IDEMPOTENCY_KEY_REUSED,
                                   "重复提交的内容不一致，请重新办理。",
                                   "Idempotency-Key was used before with a different request")
            return row["status"], json.loads(row["body"])
        # Only successes are stored: a refused request changed nothing, so a retry may
        # legitimately succeed later (e.g. after someone cancels).
        outcome = action()
        conn.execute("INSERT INTO idempotency VALUES (?, ?, ?, ?, ?)",
                     (scoped(terminal, key), fp, outcome[0],
                      json.dumps(outcome[1], ensure_ascii=False), now.isoformat()))
        # One ledger line per applied write, in the same transaction: GET /sandbox/ledger
        # lets tests check that every acknowledged write took effect exactly once.
        conn.execute("INSERT INTO ledger (kind, idempotency_key, status, reference, "
                     "applied_at, terminal) VALUES (?, ?, ?, ?, ?, ?)",
                     (kind, key, outcome[0], reference(outcome[1]), now.isoformat(), terminal))
    return outcome


def _next_reference(conn: sqlite3.Connection, today: date) -> str:
    """A new reference nobody can guess from the last one (a counter let one terminal read
    every booking of the day); a rare clash with an existing one draws again."""
    while True:
        reference = new_reference(REFERENCE_PREFIX, today)
        if conn.execute("SELECT 1 FROM bookings WHERE reference = ?",
                        (reference,)).fetchone() is None:
            return reference


def _taken(conn: sqlite3.Connection, slot_id: str) -> int:
    row = conn.execute("SELECT taken FROM slot_usage WHERE slot_id = ?", (slot_id,)).fetchone()
    return int(row["taken"]) if row else 0


def create_booking(conn: sqlite3.Connection, cat: Catalogue, terminal: str,
                   req: BookingRequest, key: str, now: datetime) -> Outcome:
    return write(conn, terminal, "booking.create", key, booking_fingerprint(req),
                 lambda: book_slot(conn, cat, terminal, req, now), now)


def booking_fingerprint(req: BookingRequest) -> str:
    return fingerprint("POST /v1/bookings", req.model_dump(mode="json"))


def book_slot(conn: sqlite3.Connection, cat: Catalogue, terminal: str, req: BookingRequest,
              now: datetime) -> Outcome:
    """Take a seat for a booking `terminal` owns (inside the caller's write transaction);
    problems raised change nothing."""
    item = cat.items_by_id.get(req.item_id)
    if item is None:
        raise ProblemError(422, PROBLEM_SLOT_UNAVAILABLE, "所选事项不存在，请重新选择。",
                           "unknown item_id")
    if not item.bookable:
        raise ProblemError(422, PROBLEM_NOT_BOOKABLE, "该事项无需预约，可直接办理。")
    hall = cat.halls_by_id.get(req.hall_id)
    slot = sl.find_slot(hall, req.slot_id) if hall else None
    if hall is None or slot is None or not sl.serves(hall, item):
        raise ProblemError(422, PROBLEM_SLOT_UNAVAILABLE, "所选时段不可预约，请重新选择。",
                           "slot, hall and item do not belong together")
    if not sl.in_window(slot.start.date(), now.date()) or slot.start <= now:
        raise ProblemError(422, PROBLEM_SLOT_UNAVAILABLE, "所选时段已过或尚未开放预约。",
                           "slot outside the booking window")
    # One active booking per resident, item and day; said before "full", so that a full slot
    # never hides it (and a provisional booking is not moved into a double booking).
    holder = duplicates.refuse_double(conn, req.resident.id_number, item.id, slot.start.date())
    taken = _taken(conn, slot.id)
    if taken >= sl.capacity(hall):
        raise ProblemError(409, PROBLEM_SLOT_FULL, "该时段已约满，请选择其他时段。")
    conn.execute("INSERT INTO slot_usage VALUES (?, ?, ?, 1) ON CONFLICT(slot_id) "
                 "DO UPDATE SET taken = taken + 1",
                 (slot.id, hall.id, slot.start.date().isoformat()))
    booking = Booking(
        reference=_next_reference(conn, now.date()), status="confirmed",
        item_id=item.id, item_name=item.name, hall_id=hall.id, hall_name=hall.name,
        hall_address=hall.address, slot_id=slot.id, date=slot.start.date(),
        start=slot.start, end=slot.end,
        # The sandbox keeps only masked personal data: nothing to leak from its database.
        resident_name_masked=mask_name(req.resident.name),
        id_number_masked=mask_id_number(req.resident.id_number), created_at=now)
    body = booking.model_dump(mode="json")
    conn.execute("INSERT INTO bookings (reference, status, slot_id, data, created_at, terminal) "
                 "VALUES (?, ?, ?, ?, ?, ?)",
                 (booking.reference, booking.status, slot.id, json.dumps(body, ensure_ascii=False),
                  now.isoformat(), terminal))
    duplicates.record(conn, booking.reference, holder, item.id, booking.date)
    return 201, body


def _load(conn: sqlite3.Connection, reference: str, terminal: str,
          resident: str | None) -> dict[str, Any]:
    # A booking is seen by the terminal that made it, or in its resident's own session on any
    # terminal. Anyone else gets the very answer of a reference that does not exist: nothing
    # tells a guesser that a reference is real.
    row = conn.execute(
        "SELECT data FROM bookings b WHERE reference = ? AND (terminal = ? OR EXISTS ("
        "SELECT 1 FROM booking_holders h WHERE h.reference = b.reference "
        "AND h.resident_key = ?))", (reference, terminal, resident)).fetchone()
    if row is None:
        raise ProblemError(404, PROBLEM_NOT_FOUND, "没有找到这个预约，请核对预约号。")
    return dict(json.loads(row["data"]))


def get_booking(conn: sqlite3.Connection, reference: str, terminal: str,
                resident: str | None = None) -> dict[str, Any]:
    """The booking `reference` if `terminal` made it or it is the session's `resident`'s;
    404 problem otherwise."""
    return _load(conn, reference, terminal, resident)


def cancel_booking(conn: sqlite3.Connection, terminal: str, reference: str, key: str,
                   now: datetime, resident: str | None = None) -> Outcome:
    fp = fingerprint(f"POST /v1/bookings/{reference}/cancel", None)

    def cancel() -> Outcome:
        body = _load(conn, reference, terminal, resident)
        if body["status"] == "cancelled":
            raise ProblemError(409, PROBLEM_ALREADY_CANCELLED, "该预约已经取消。")
        body["status"] = "cancelled"
        conn.execute("UPDATE bookings SET status = 'cancelled', data = ?, cancelled_at = ? "
                     "WHERE reference = ?",
                     (json.dumps(body, ensure_ascii=False), now.isoformat(), reference))
        conn.execute("UPDATE slot_usage SET taken = taken - 1 WHERE slot_id = ? AND taken > 0",
                     (body["slot_id"],))
        duplicates.release(conn, reference)
        return 200, body

    return write(conn, terminal, "booking.cancel", key, fp, cancel, now)


def ledger_writes(conn: sqlite3.Connection, terminal: str) -> list[dict[str, Any]]:
    """Every write `terminal` had applied, in order (sandbox only: GET /sandbox/ledger)."""
    return [{"seq": r["seq"], "kind": r["kind"], "idempotency_key": r["idempotency_key"],
             "status": r["status"], "reference": r["reference"], "applied_at": r["applied_at"]}
            for r in conn.execute("SELECT * FROM ledger WHERE terminal = ? ORDER BY seq",
                                  (terminal,))]


def slot_list(conn: sqlite3.Connection, cat: Catalogue, hall_id: str, day: date,
              now: datetime) -> list[Slot]:
    """Open slots of a hall on a day with seats left counted; past or too-far days are empty."""
    hall = cat.halls_by_id[hall_id]
    if not sl.in_window(day, now.date()):
        return []
    taken = {r["slot_id"]: int(r["taken"]) for r in conn.execute(
        "SELECT slot_id, taken FROM slot_usage WHERE hall_id = ? AND day = ?",
        (hall_id, day.isoformat()))}
    cap = sl.capacity(hall)
    return [Slot(id=s.id, start=s.start, end=s.end, remaining=max(cap - taken.get(s.id, 0), 0))
            for s in sl.day_slots(hall, day) if s.start > now]
