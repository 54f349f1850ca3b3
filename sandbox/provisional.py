"""POST /v1/bookings/provisional: the platform decides on a booking a terminal accepted offline."""

# No `from __future__ import annotations`: FastAPI must see the route parameter types.

import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from services.privacy import mask_phone
from services.schemas import (PROBLEM_DUPLICATE_BOOKING, PROBLEM_INVALID_REQUEST,
                              PROBLEM_SLOT_FULL,
                              PROBLEM_SLOT_UNAVAILABLE, Booking, HeldBooking,
                              ProvisionalBookingRequest, ProvisionalOutcome,
                              ProvisionalOutcomeKind)

from . import duplicates, ledger
from . import slots as sl
from .problems import ProblemError, problem_responses
from .store import Catalogue

SIGNATURE = "【江汉市政务服务】"
#: Problems after which another slot of the same hall may still serve the resident.
MOVABLE = frozenset({PROBLEM_SLOT_FULL, PROBLEM_SLOT_UNAVAILABLE})


def _when(b: dict[str, Any]) -> str:
    start, end = datetime.fromisoformat(b["start"]), datetime.fromisoformat(b["end"])
    return f"{start:%m月%d日 %H:%M}-{end:%H:%M}"


def sms_text(outcome: str, local_reference: str, booking: dict[str, Any] | None,
             requested_start: datetime, reason: str, double: bool = False) -> str:
    """The message the resident gets; it names the local reference printed on their slip."""
    head = f"{SIGNATURE}您在自助终端离线提交的预约（临时编号 {local_reference}）"
    if booking is None:
        then = "如需改约或取消，请拨打12345。" if double else "请重新预约，或拨打12345咨询。"
        return f"{head}未能预约成功：{reason}{then}"
    place = f"地点：{booking['hall_name']}（{booking['hall_address']}）"
    tail = f"预约号 {booking['reference']}，请携带身份证原件按时到达。"
    if outcome == "moved":
        return (f"{head}原选时段{requested_start:%m月%d日 %H:%M}已约满，"
                "已为您改约到最近的空闲时段："
                f"“{booking['item_name']}”，{_when(booking)}，{place}。{tail}"
                "如时间不便，请拨打12345取消。")
    return f"{head}已确认：“{booking['item_name']}”，{_when(booking)}，{place}。{tail}"


def _applied_booking(conn: sqlite3.Connection, terminal: str, req: ProvisionalBookingRequest
                     ) -> dict[str, Any] | None:
    """The booking made by the ordinary request the terminal tried first, if it was applied."""
    if not req.supersedes_key:
        return None
    row = conn.execute("SELECT fingerprint, status, body FROM idempotency WHERE key = ?",
                       (ledger.scoped(terminal, req.supersedes_key),)).fetchone()
    if row is None or row["status"] != 201 \
            or row["fingerprint"] != ledger.booking_fingerprint(req.booking):
        return None
    return dict(json.loads(row["body"]))


def _nearest_free(conn: sqlite3.Connection, cat: Catalogue, req: ProvisionalBookingRequest,
                  requested: datetime, now: datetime) -> list[str]:
    """Open slots of the same hall with a seat left, nearest to the requested time first
    (a later slot wins a tie: a resident can wait more easily than come earlier)."""
    hall = cat.halls_by_id[req.booking.hall_id]
    cap = sl.capacity(hall)
    taken = {r["slot_id"]: int(r["taken"]) for r in conn.execute(
        "SELECT slot_id, taken FROM slot_usage WHERE hall_id = ?", (hall.id,))}
    days = (now.date() + timedelta(days=n) for n in range(sl.BOOKING_DAYS))
    free = [s for day in days for s in sl.day_slots(hall, day)
            if s.start > now and taken.get(s.id, 0) < cap]
    free.sort(key=lambda s: (abs((s.start - requested).total_seconds()), s.start < requested))
    return [s.id for s in free]


def _move(conn: sqlite3.Connection, cat: Catalogue, terminal: str,
          req: ProvisionalBookingRequest, requested: datetime, now: datetime, reason: str
          ) -> tuple[dict[str, Any] | None, ProvisionalOutcomeKind, str]:
    """Book the nearest free slot of the same hall: (booking, "moved", "") or (None, ...,
    why not). A day on which the resident already holds the item is passed over."""
    for slot_id in _nearest_free(conn, cat, req, requested, now):
        moved = req.booking.model_copy(update={"slot_id": slot_id})
        try:
            return ledger.book_slot(conn, cat, terminal, moved, now)[1], "moved", ""
        except ProblemError as again:
            if again.type == PROBLEM_DUPLICATE_BOOKING:
                continue
            return None, "refused", again.title  # e.g. the hall does not serve the item
    return None, "refused", reason


def decide(conn: sqlite3.Connection, cat: Catalogue, terminal: str,
           req: ProvisionalBookingRequest, now: datetime) -> ProvisionalOutcome:
    """Confirmed (the requested slot, or the booking already made for it), moved to the nearest
    free slot of the same hall, or refused (nothing fits, or the resident holds the item that
    day already); runs inside the caller's write transaction."""
    hall = cat.halls_by_id.get(req.booking.hall_id)
    requested_slot = sl.find_slot(hall, req.booking.slot_id) if hall else None
    requested = requested_slot.start if requested_slot else req.made_at
    outcome: ProvisionalOutcomeKind = "confirmed"
    reason = ""
    held: HeldBooking | None = None
    booking = _applied_booking(conn, terminal, req)
    if booking is None:
        try:
            booking = ledger.book_slot(conn, cat, terminal, req.booking, now)[1]
        except ProblemError as exc:
            booking, reason = None, exc.title
            held = duplicates.held_from(exc)  # the resident holds this item that day already
            # Only a known slot says which time the resident wanted; otherwise refuse.
            if exc.type in MOVABLE and hall is not None and requested_slot is not None:
                booking, outcome, reason = _move(conn, cat, terminal, req, requested, now, reason)
        if booking is not None and req.supersedes_key:
            # The ordinary request may still arrive (another path, a late resend): it must
            # replay this booking, not take a second seat.
            conn.execute("INSERT OR IGNORE INTO idempotency VALUES (?, ?, 201, ?, ?)",
                         (ledger.scoped(terminal, req.supersedes_key),
                          ledger.booking_fingerprint(req.booking),
                          json.dumps(booking, ensure_ascii=False), now.isoformat()))
    if booking is None:
        outcome = "refused"
        reason = duplicates.plain_reason(held) if held else reason or "所选时段不可预约。"
    text = sms_text(outcome, req.local_reference, booking, requested, reason, held is not None)
    conn.execute("INSERT INTO sms (reference, phone_masked, text, sent_at, terminal) "
                 "VALUES (?, ?, ?, ?, ?)",
                 (booking["reference"] if booking else req.local_reference,
                  mask_phone(req.booking.resident.phone), text, now.isoformat(), terminal))
    return ProvisionalOutcome(
        local_reference=req.local_reference, outcome=outcome,
        booking=Booking.model_validate(booking) if booking else None,
        requested_start=requested, reason=reason if booking is None else "", conflict=held,
        sms_text=text, decided_at=now)


def deliver(conn: sqlite3.Connection, cat: Catalogue, terminal: str,
            req: ProvisionalBookingRequest, key: str, now: datetime) -> ledger.Outcome:
    if req.supersedes_key == key:
        # supersedes_key names the ordinary request tried first, a different write: with this
        # request's own key its idempotency row would collide with this one's on every resend.
        raise ProblemError(422, PROBLEM_INVALID_REQUEST, "请求内容有误，请核对后重试。",
                           "supersedes_key: must be the key of the ordinary booking request "
                           "tried first, not this request's own Idempotency-Key")
    fp = ledger.fingerprint("POST /v1/bookings/provisional", req.model_dump(mode="json"))
    return ledger.write(
        conn, terminal, "booking.provisional", key, fp,
        lambda: (201, decide(conn, cat, terminal, req, now).model_dump(mode="json")), now,
        reference=lambda body: (body.get("booking") or {}).get("reference")
        or body.get("local_reference"))


def add_routes(v1: APIRouter, cat: Catalogue, conn_dep: Any, key_dep: Any, terminal_dep: Any,
               now: Callable[[], datetime]) -> None:
    @v1.post("/bookings/provisional", response_model=ProvisionalOutcome, status_code=201,
             tags=["bookings"], responses=problem_responses(400, 422))
    def deliver_provisional_booking(conn: conn_dep, key: key_dep, terminal: terminal_dep,
                                    body: ProvisionalBookingRequest) -> JSONResponse:
        """Decide on a booking a terminal accepted while offline: the requested slot if free
        (or the booking already made by `supersedes_key`), else the nearest free slot of the
        same hall (never on a day the resident already holds the item), else refused. It is
        refused too when the resident already holds an active booking of the item that day:
        `conflict` names it. The resident is told by SMS (GET /sandbox/sms). The answer is
        201 in all three cases; the same Idempotency-Key replays it. A `supersedes_key` equal
        to the request's own Idempotency-Key is refused (422 invalid-request)."""
        status, data = deliver(conn, cat, terminal, body, key, now())
        return JSONResponse(data, status_code=status)
