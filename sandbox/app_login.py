"""App QR login in the sandbox: codes issued for tests and the demo, redeemed once by a terminal."""

# No `from __future__ import annotations`: FastAPI must see the route parameter types.
import hashlib
import json
import secrets
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.schemas import (PROBLEM_LOGIN_CODE_INVALID, AppIdentity, AppLoginRequest,
                              ResidentIn)

from .pool import write_transaction
from .problems import ProblemError, problem_responses

PREFIX = "JHZW1"
# The resident is kept sealed with a key made from the code's token, which only the holder of
# the code has: the database (and its WAL) hold no name, ID number or phone in clear, and a
# copy of it opens no identity. The table before this one kept them in clear; its codes lived
# an hour at most, so it is dropped rather than migrated.
SCHEMA = """
DROP TABLE IF EXISTS app_login_codes;
CREATE TABLE IF NOT EXISTS app_login_sealed (
    token_hash TEXT PRIMARY KEY, sealed BLOB, expires_at TEXT NOT NULL, used_at TEXT);
"""
NONCE_BYTES = 12


class IssueCode(BaseModel):
    """Sandbox only: what the resident's mobile app would know after its own login."""

    resident: ResidentIn
    ttl_seconds: int = Field(default=300, ge=1, le=3600)


def _hash(token: str) -> str:
    # Only a hash is kept: a leaked database does not give working login codes.
    return hashlib.sha256(token.encode()).hexdigest()


def _seal_key(token: str) -> bytes:
    # Not the stored hash: a separate derivation, so the hash in the row does not open it.
    return hashlib.sha256(b"app-login-seal\x00" + token.encode()).digest()


def _seal(token: str, resident: ResidentIn) -> bytes:
    nonce = secrets.token_bytes(NONCE_BYTES)
    plain = json.dumps(resident.model_dump(), ensure_ascii=False).encode("utf-8")
    return nonce + AESGCM(_seal_key(token)).encrypt(nonce, plain, _hash(token).encode())


def _open(token: str, sealed: bytes) -> AppIdentity:
    nonce, body = sealed[:NONCE_BYTES], sealed[NONCE_BYTES:]
    plain = AESGCM(_seal_key(token)).decrypt(nonce, body, _hash(token).encode())
    return AppIdentity.model_validate(json.loads(plain.decode("utf-8")))


def issue(conn: sqlite3.Connection, req: IssueCode, now: datetime) -> dict[str, Any]:
    conn.executescript(SCHEMA)
    token = secrets.token_urlsafe(24)
    expires = now + timedelta(seconds=req.ttl_seconds)
    conn.execute("INSERT INTO app_login_sealed VALUES (?, ?, ?, NULL)",
                 (_hash(token), _seal(token, req.resident), expires.isoformat()))
    return {"payload": f"{PREFIX}:{token}:{int(expires.timestamp())}",
            "expires_at": expires.isoformat()}


def redeem(conn: sqlite3.Connection, req: AppLoginRequest, now: datetime) -> AppIdentity:
    conn.executescript(SCHEMA)
    with write_transaction(conn):  # one terminal wins a code scanned twice at once
        row = conn.execute("SELECT * FROM app_login_sealed WHERE token_hash = ?",
                           (_hash(req.token),)).fetchone()
        if row is None or row["used_at"] is not None or row["sealed"] is None \
                or datetime.fromisoformat(row["expires_at"]) <= now:
            raise ProblemError(404, PROBLEM_LOGIN_CODE_INVALID,
                               "登录码无效或已过期，请在手机App中刷新后重新扫码。")
        identity = _open(req.token, row["sealed"])
        # Used once: the sealed resident goes with it, only the hash stays to refuse a replay.
        conn.execute("UPDATE app_login_sealed SET used_at = ?, sealed = NULL "
                     "WHERE token_hash = ?", (now.isoformat(), _hash(req.token)))
    return identity


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
