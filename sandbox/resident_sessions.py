"""Resident sessions (/v1/identity/sessions): a resident identified at a terminal may read
their own bookings there, whichever terminal made them."""

# No `from __future__ import annotations`: FastAPI must see the route annotations as objects.
import hashlib
import secrets
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Response

from services.schemas import (PROBLEM_RESIDENT_SESSION_INVALID, RESIDENT_SESSION_HEADER,
                              ResidentSession, ResidentSessionRequest)

from . import duplicates
from .pool import write_transaction
from .problems import ProblemError, problem_responses

SCHEMA = """
CREATE TABLE IF NOT EXISTS resident_sessions (
    token_hash TEXT PRIMARY KEY, resident_key TEXT NOT NULL, terminal TEXT NOT NULL,
    method TEXT NOT NULL, verified_by TEXT NOT NULL, opened_at TEXT NOT NULL,
    expires_at TEXT NOT NULL);
"""

#: A session outlives the longest kiosk session (idle resets come after a minute or two of no
#: touch), not the day: a token left behind is soon worth nothing.
SESSION_MINUTES = 15
#: Long enough for any token this module makes (43 characters), short enough to bound work.
TOKEN_MAX_LENGTH = 100


def _digest(token: str) -> str:
    # Only the digest is kept: the database does not hold a token anybody could use.
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(conn: sqlite3.Connection, terminal: str, req: ResidentSessionRequest,
                 now: datetime) -> ResidentSession:
    """A new session for the resident `terminal` has identified (expired ones are dropped)."""
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(minutes=SESSION_MINUTES)
    with write_transaction(conn):
        conn.execute("DELETE FROM resident_sessions WHERE expires_at <= ?", (now.isoformat(),))
        conn.execute("INSERT INTO resident_sessions VALUES (?, ?, ?, ?, ?, ?, ?)",
                     (_digest(token), duplicates.resident_key(conn, req.id_number), terminal,
                      req.method, req.verified_by, now.isoformat(), expires.isoformat()))
    return ResidentSession(token=token, expires_at=expires)


def _invalid() -> ProblemError:
    return ProblemError(401, PROBLEM_RESIDENT_SESSION_INVALID,
                        "身份核验已失效，请重新刷身份证或扫码。",
                        "the resident session is unknown, ended, expired or another terminal's",
                        # A 401 names its scheme (RFC 9110): here the resident's, not the bearer.
                        headers={"WWW-Authenticate": 'ResidentSession realm="resident"'})


def resident_of(conn: sqlite3.Connection, terminal: str, token: str, now: datetime) -> str:
    """The resident (pseudonym key) of a live session `terminal` opened; 401 otherwise."""
    row = conn.execute("SELECT resident_key, terminal, expires_at FROM resident_sessions "
                       "WHERE token_hash = ?", (_digest(token),)).fetchone()
    if row is None or not secrets.compare_digest(row["terminal"], terminal) \
            or datetime.fromisoformat(row["expires_at"]) <= now:
        raise _invalid()
    return str(row["resident_key"])


def add_routes(v1: APIRouter, conn_dep: Any, terminal_dep: Any,
               now: Callable[[], datetime]) -> Callable[..., str | None]:
    """Add the session routes; return the dependency giving a request's resident (or None)."""

    def resident(conn: conn_dep, terminal: terminal_dep,
                 session: Annotated[str | None, Header(
                     alias=RESIDENT_SESSION_HEADER, max_length=TOKEN_MAX_LENGTH,
                     description="The resident session (POST /v1/identity/sessions), when "
                                 "the resident is identified at this terminal")] = None
                 ) -> str | None:
        return None if session is None else resident_of(conn, terminal, session, now())

    Resident = Annotated[str | None, Depends(resident)]

    @v1.post("/identity/sessions", response_model=ResidentSession, status_code=201,
             tags=["identity"], responses=problem_responses(422))
    def open_resident_session(conn: conn_dep, terminal: terminal_dep,
                              body: ResidentSessionRequest) -> ResidentSession:
        """Open a session for a resident this terminal has identified (ID card, social-security
        card or app code, confirmed by face, staff, card or app). The token goes in the
        X-Resident-Session header; it lives 15 minutes, only with this terminal's token, and
        lets the resident read their own bookings made at any terminal. Not idempotent on
        purpose: a retry opens another session (the answer holds a secret no replay should
        hand out again), and the unused one expires."""
        return open_session(conn, terminal, body, now())

    @v1.delete("/identity/sessions/current", status_code=204, tags=["identity"],
               responses=problem_responses(401))
    def end_resident_session(conn: conn_dep, resident_key: Resident,
                             session: Annotated[str | None, Header(
                                 alias=RESIDENT_SESSION_HEADER,
                                 max_length=TOKEN_MAX_LENGTH)] = None) -> Response:
        """End the session in X-Resident-Session (the kiosk session ended): dead afterwards."""
        if session is None or resident_key is None:
            raise _invalid()
        conn.execute("DELETE FROM resident_sessions WHERE token_hash = ?", (_digest(session),))
        return Response(status_code=204)

    return resident
