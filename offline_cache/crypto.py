"""Encryption of outbox payloads at rest (AES-256-GCM); the key comes from the terminal's config."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
NONCE_BYTES = 12
#: A format byte in front of every blob, so the scheme can change without guessing.
VERSION = b"\x01"


class OutboxKeyError(Exception):
    """The configured key is missing or malformed (start-up stops with this message)."""


class DecryptError(Exception):
    """A stored payload cannot be read with this key (wrong key or damaged row)."""


def encode(data: dict[str, Any]) -> bytes:
    """A payload as the bytes that are sealed (compact JSON, UTF-8)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def new_key() -> str:
    """A fresh key in the form the config holds: url-safe base64 of 32 random bytes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def parse_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise OutboxKeyError("outbox key is not valid base64") from None
    if len(raw) != KEY_BYTES:
        raise OutboxKeyError(f"outbox key must be {KEY_BYTES} bytes, got {len(raw)}")
    return raw


def default_key_file(db_path: str | Path) -> Path:
    """Where a database's key lives unless configured: `<folder>-keys/<db name>.key` beside
    the database's folder, never in it, so a copy of the data folder does not carry its key."""
    db = Path(db_path).absolute()
    folder = db.parent
    if not folder.name:
        raise OutboxKeyError(f"{db} is in /: configure outbox.key_file")
    return folder.with_name(folder.name + "-keys") / (db.name + ".key")


def load_or_create_key_file(path: str | Path, *, legacy: str | Path | None = None) -> str:
    """Read a key file, or create one readable by the owner only (development and burn-in).

    A missing file is first taken over from `legacy` (where an earlier release kept the key):
    its key is written to `path` and the old file removed, so data sealed with it stays
    readable after the upgrade."""
    p = Path(path)
    if p.exists():
        return p.read_text(encoding="ascii").strip()
    old = Path(legacy) if legacy is not None else None
    key = old.read_text(encoding="ascii").strip() if old and old.exists() else new_key()
    parse_key(key)  # never move or write a key that could not open the outbox
    key = _create_private(p, key)
    if old and old.exists():
        old.unlink()
    return key


def _create_private(path: Path, key: str) -> str:
    """Write `key` to a new file 0600 in a directory 0700 (whatever the umask); if another
    process made the file first, its key wins and is returned."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
        os.chmod(path.parent, 0o700)  # mkdir's mode is reduced by the umask
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(key + "\n")
            out.flush()
            os.fsync(out.fileno())
        # link() does not replace an existing file: the first process to get there wins,
        # and the complete file appears at once (a crash never leaves a half-written key).
        os.link(tmp, path)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    finally:
        tmp.unlink(missing_ok=True)
    dir_fd = os.open(str(path.parent), os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the new name is durable before the old key file goes
    finally:
        os.close(dir_fd)
    return key


class PayloadCipher:
    """Seals JSON payloads; the row id context (kind + idempotency key) is bound as AAD so a
    ciphertext moved to another row does not decrypt."""

    def __init__(self, key: str) -> None:
        raw = parse_key(key)
        self._aead = AESGCM(raw)
        # A separate sub-key for resident ordering keys: the HMAC never reveals the ID number
        # and cannot be reversed without the terminal's key.
        self._mac_key = hashlib.sha256(b"resident-order\x00" + raw).digest()

    def seal(self, data: dict[str, Any], context: str) -> bytes:
        return self.seal_plain(encode(data), context)

    def seal_plain(self, plain: bytes, context: str) -> bytes:
        """Seal a payload already encoded by `encode`."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plain, context.encode("utf-8"))

    def open(self, blob: bytes, context: str) -> dict[str, Any]:
        if len(blob) < 1 + NONCE_BYTES or blob[:1] != VERSION:
            raise DecryptError("unknown payload format")
        nonce, sealed = blob[1:1 + NONCE_BYTES], blob[1 + NONCE_BYTES:]
        try:
            plain = self._aead.decrypt(nonce, sealed, context.encode("utf-8"))
        except InvalidTag:
            raise DecryptError("payload does not decrypt with this key") from None
        value = json.loads(plain.decode("utf-8"))
        if not isinstance(value, dict):
            raise DecryptError("payload is not an object")
        return value

    def resident_key(self, resident: str) -> str:
        """A stable pseudonym of a resident (e.g. of the ID number) for per-resident ordering."""
        return hmac.digest(self._mac_key, resident.encode("utf-8"), "sha256").hex()[:32]
