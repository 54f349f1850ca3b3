"""App QR login in the sandbox: codes issued for tests and the demo, redeemed once by a terminal."""

# No `from __future__ import annotations`: FastAPI must see the route parameter types.
import hashlib
import secrets
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.schemas import (PROBLEM_LOGIN_CODE_INVALID, AppIdentity, AppLoginRequest,
                              ResidentIn)

from .problems import ProblemError, problem_responses

PREFIX = "JHZW1"
SCHEMA = """
CREATE TABLE IF NOT EXISTS app_login_codes (
    token_hash TEXT PRIMARY KEY, name TEXT NOT NULL, id_number TEXT NOT NULL, phone TEXT,
    expires_at TEXT NOT NULL, used_at TEXT);
"""


class IssueCode(BaseModel):
    """Sandbox only: what the resident's mobile app would know after its own login."""

    resident: ResidentIn
    ttl_seconds: int = Field(default=300, ge=1, le=3600)


def _hash(token: str) -> str:
    # Only a hash is kept: a leaked database does not give working login codes.
    return hashlib.sha256(token.encode()).hexdigest()


def issue(conn: sqlite3.Connection, req: IssueCode, now: datetime) -> dict[str, Any]:
    conn.executescript(SCHEMA)
    token = secrets.token_urlsafe(24)
    expires = now + timedelta(seconds=req.ttl_seconds)
    conn.execute("INSERT INTO app_login_codes VALUES (?, ?, ?, ?, ?, NULL)",
                 (_hash(token), req.resident.name, req.resident.id_number, req.resident.phone,
                  expires.isoformat()))
    return {"payload": f"{PREFIX}:{token}:{int(expires.timestamp())}",
            "expires_at": expires.isoformat()}


def redeem(conn: sqlite3.Connection, req: AppLoginRequest, now: datetime) -> AppIdentity:
    conn.executescript(SCHEMA)
    conn.execute("BEGIN IMMEDIATE")  # one terminal wins a code scanned twice at once
    try:
        row = conn.execute("SELECT * FROM app_login_codes WHERE token_hash = ?",
                           (_hash(req.token),)).fetchone()
        if row is None or row["used_at"] is not None \
                or datetime.fromisoformat(row["expires_at"]) <= now:
            raise ProblemError(404, PROBLEM_LOGIN_CODE_INVALID,
                               "登录码无效或已过期，请在手机App中刷新后重新扫码。")
        conn.execute("UPDATE app_login_codes SET used_at = ? WHERE token_hash = ?",
                     (now.isoformat(), _hash(req.token)))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return AppIdentity(name=row["name"], id_number=row["id_number"], phone=row["phone"])


def add_routes(v1: APIRouter, app: APIRouter, conn_dep: Any, authorise: Callable[..., Any],
               now: Callable[[], datetime]) -> None:
    @v1.post("/identity/app-login", response_model=AppIdentity, tags=["identity"],
             summary="Redeem a mobile-app login code (once, before it expires)",
             responses=problem_responses(404))
    def app_login(conn: conn_dep, body: AppLoginRequest) -> AppIdentity:
        """The token of a `JHZW1:<token>:<expiry>` code the terminal's camera read. A code
        works once; unknown, used or expired codes are 404 login-code-invalid."""
        return redeem(conn, body, now())

    @app.post("/sandbox/app-login-codes", tags=["sandbox"], dependencies=[Depends(authorise)],
              summary="Issue a login code as the mobile app would (sandbox only)")
    def issue_code(conn: conn_dep, body: IssueCode) -> dict[str, Any]:
        return issue(conn, body, now())
