"""POST /v1/bookings/{reference}/sms: the sandbox "sends" a booking to a phone and records it."""

# No `from __future__ import annotations`: FastAPI must see the route parameter types.

import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from services.privacy import mask_phone
from services.schemas import SmsReceipt, SmsRequest

from . import ledger
from .problems import problem_responses

def message_text(booking: dict[str, Any]) -> str:
    """The SMS a resident gets: enough to find the hall and show the reference, no ID data."""
    start = datetime.fromisoformat(booking["start"])
    end = datetime.fromisoformat(booking["end"])
    return (f"【江汉市政务服务】您已预约“{booking['item_name']}”，"
            f"{start:%m月%d日 %H:%M}-{end:%H:%M}，地点：{booking['hall_name']}"
            f"（{booking['hall_address']}）。预约号 {booking['reference']}，"
            "请携带身份证原件按时到达。如需取消请拨打12345。")


def send(conn: sqlite3.Connection, reference: str, req: SmsRequest, key: str,
         now: datetime) -> ledger.Outcome:
    fp = ledger.fingerprint(f"POST /v1/bookings/{reference}/sms", req.model_dump())

    def record() -> ledger.Outcome:
        booking = ledger.get_booking(conn, reference)  # 404 problem when unknown
        receipt = SmsReceipt(reference=reference, phone_masked=mask_phone(req.phone),
                             text=message_text(booking), sent_at=now)
        conn.execute("INSERT INTO sms (reference, phone_masked, text, sent_at) "
                     "VALUES (?, ?, ?, ?)", (reference, receipt.phone_masked, receipt.text,
                                             now.isoformat()))
        return 201, receipt.model_dump(mode="json")

    return ledger.write(conn, "booking.sms", key, fp, record, now)


def add_routes(v1: APIRouter, app: APIRouter, conn_dep: Any, key_dep: Any,
               authorise: Callable[..., Any], now: Callable[[], datetime]) -> None:
    @v1.post("/bookings/{reference}/sms", response_model=SmsReceipt, status_code=201,
             tags=["bookings"], responses=problem_responses(400, 404))
    def send_booking_sms(conn: conn_dep, key: key_dep, body: SmsRequest,
                         reference: Annotated[str, Path(max_length=40)]) -> JSONResponse:
        """Send the booking to the resident's phone (used when the slip cannot be printed).
        Idempotent like every write: the same key sends once."""
        status, data = send(conn, reference, body, key, now())
        return JSONResponse(data, status_code=status)

    @app.get("/sandbox/sms", tags=["sandbox"], dependencies=[Depends(authorise)],
             summary="Every SMS the sandbox sent (sandbox only, for tests)")
    def sandbox_sms(conn: conn_dep) -> dict[str, list[dict[str, Any]]]:
        return {"messages": [dict(r) for r in conn.execute("SELECT * FROM sms ORDER BY seq")]}
