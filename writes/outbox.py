"""Opening the terminal's outbox: the store, and the key for personal data at rest."""

from __future__ import annotations

from pathlib import Path

from offline_cache.crypto import PayloadCipher, load_or_create_key_file
from offline_cache.outbox import Outbox
from offline_cache.store import Store


def open_outbox(db_path: str | Path, key: str | None = None,
                key_file: str | Path | None = None) -> Outbox:
    """The terminal's outbox on `db_path`. The key comes from the config (`key`); for burn-in
    and development a key file beside the database is made once (never inside the database)."""
    if key is None:
        key = load_or_create_key_file(key_file or f"{db_path}.key")
    return Outbox(Store(db_path), PayloadCipher(key))
