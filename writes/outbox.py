"""Opening the terminal's outbox: the store, and the key for personal data at rest."""

from __future__ import annotations

from pathlib import Path

from offline_cache.crypto import PayloadCipher, default_key_file, load_or_create_key_file
from offline_cache.outbox import Outbox
from offline_cache.store import Store


def open_outbox(db_path: str | Path, key: str | None = None,
                key_file: str | Path | None = None) -> Outbox:
    """The terminal's outbox on `db_path`. The key comes from the config (`key`, else
    `key_file`); without either, a key file outside the database's folder
    (offline_cache.crypto.default_key_file) is made once, taking over a key file an earlier
    release kept beside the database (`DB.key`)."""
    if key is None:
        if key_file is not None:
            key = load_or_create_key_file(key_file)
        else:
            key = load_or_create_key_file(default_key_file(db_path), legacy=f"{db_path}.key")
    return Outbox(Store(db_path), PayloadCipher(key))
