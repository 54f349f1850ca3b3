"""POST /v1/bookings/{reference}/sms: the sandbox "sends" a booking to a phone and records it."""

# No `from __future__ import annotations`: FastAPI must see the route parameter types.

import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from services.privacy import mask_phone
from services.schemas import PROBLEM_RATE_LIMITED, SmsReceipt, SmsRequest

from . import ledger
from .problems import ProblemError, problem_responses

#: Messages one booking may send a day. A resident whose slip did not print needs one, maybe
#: a second to another phone; more is somebody using the terminal to send texts to a number.
SMS_PER_BOOKING_PER_DAY = 3

def message_text(booking: dict[str, Any]) -> str:
    """The SMS a resident gets: enough to find the hall and show the reference, no ID data."""
    start = datetime.fromisoformat(booking["start"])
    end = datetime.fromisoformat(booking["end"])
    return (f"【江汉市政务服务】您已预约“{booking['item_name']}”，"
            f"{start:%m月%d日 %H:%M}-{end:%H:%M}，地点：{booking['hall_name']}"
            f"（{booking['hall_address']}）。预约号 {booking['reference']}，"
            "请携带身份证原件按时到达。如需取消请拨打12345。")


def _refuse_past_daily_cap(conn: sqlite3.Connection, terminal: str, reference: str,
                           now: datetime) -> None:
    day = now.date().isoformat()
    sent = conn.execute("SELECT COUNT(*) FROM sms WHERE reference = ? AND terminal = ? "
                        "AND substr(sent_at, 1, 10) = ?", (reference, terminal, day)).fetchone()
    if sent[0] >= SMS_PER_BOOKING_PER_DAY:
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                                    now.tzinfo)
        wait = max(int((midnight - now).total_seconds()), 1)
        raise ProblemError(429, PROBLEM_RATE_LIMITED, "这个预约今天的短信已发送多次，请明天再试。",
                           f"at most {SMS_PER_BOOKING_PER_DAY} messages per booking a day",
                           headers={"Retry-After": str(wait)})


def send(conn: sqlite3.Connection, terminal: str, reference: str, req: SmsRequest, key: str,
         now: datetime, resident: str | None = None) -> ledger.Outcome:
    fp = ledger.fingerprint(f"POST /v1/bookings/{reference}/sms", req.model_dump())

    def record() -> ledger.Outcome:
        booking = ledger.get_booking(conn, reference, terminal, resident)  # 404 if not ours
        _refuse_past_daily_cap(conn, terminal, reference, now)
        receipt = SmsReceipt(reference=reference, phone_masked=mask_phone(req.phone),
                             text=message_text(booking), sent_at=now)
        conn.execute("INSERT INTO sms (reference, phone_masked, text, sent_at, terminal) "
                     "VALUES (?, ?, ?, ?, ?)", (reference, receipt.phone_masked, receipt.text,
                                                now.isoformat(), terminal))
        return 201, receipt.model_dump(mode="json")

    return ledger.write(conn, terminal, "booking.sms", key, fp, record, now)


def add_routes(v1: APIRouter, app: APIRouter, conn_dep: Any, key_dep: Any, terminal_dep: Any,
               resident_dep: Any, limit_lookups: Callable[..., Any],
               now: Callable[[], datetime]) -> None:
    @v1.post("/bookings/{reference}/sms", response_model=SmsReceipt, status_code=201,
             tags=["bookings"], responses=problem_responses(400, 404, 429),
             dependencies=[Depends(limit_lookups)])
    def send_booking_sms(conn: conn_dep, key: key_dep, terminal: terminal_dep,
                         resident: resident_dep, body: SmsRequest,
                         reference: Annotated[str, Path(max_length=40)]) -> JSONResponse:
        """Send the booking to the resident's phone (used when the slip cannot be printed).
        Idempotent like every write: the same key sends once. Only the terminal that made the
        booking may, or the resident's own session (404 otherwise); at most 3 messages per
        booking a day (429 with Retry-After), and a terminal's lookups by reference are
        rationed (429)."""
        status, data = send(conn, terminal, reference, body, key, now(), resident)
        return JSONResponse(data, status_code=status)

    @app.get("/sandbox/sms", tags=["sandbox"],
             summary="Every SMS the sandbox sent for this terminal (sandbox only, for tests)")
    def sandbox_sms(conn: conn_dep, terminal: terminal_dep) -> dict[str, list[dict[str, Any]]]:
        rows = conn.execute("SELECT seq, reference, phone_masked, text, sent_at FROM sms "
                            "WHERE terminal = ? ORDER BY seq", (terminal,))
        return {"messages": [dict(r) for r in rows]}
