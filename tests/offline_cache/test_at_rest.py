"""Files at rest: the outbox database, its WAL and -shm are 0600 whatever the umask; the key
file lives outside the database's folder and a key file beside the database is migrated."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from offline_cache.crypto import default_key_file, new_key
from writes.outbox import open_outbox

NAME = "张三明"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022() -> Iterator[None]:
    # The usual system umask: files SQLite creates would be 0644, readable by every user.
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def test_database_wal_and_shm_are_owner_only(tmp_path: Path, umask_022: None) -> None:
    db = tmp_path / "data" / "outbox.db"
    box = open_outbox(db)
    box.enqueue("booking.create", {"name": NAME}, resident="420102199001011234")
    try:
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert path.exists(), path
            assert mode(path) == 0o600, f"{path.name}: {oct(mode(path))}"
    finally:
        box.store.close()


def test_an_existing_readable_database_is_made_owner_only(tmp_path: Path,
                                                          umask_022: None) -> None:
    db = tmp_path / "outbox.db"
    open_outbox(db).store.close()
    db.chmod(0o644)  # as made by a release before this one
    box = open_outbox(db)
    box.enqueue("booking.create", {"name": NAME}, resident="r")
    try:
        assert mode(db) == 0o600 and mode(Path(f"{db}-wal")) == 0o600
    finally:
        box.store.close()


def test_default_key_file_is_outside_the_database_folder(tmp_path: Path,
                                                         umask_022: None) -> None:
    data = tmp_path / "data"
    db = data / "outbox.db"
    box = open_outbox(db)
    item = box.enqueue("booking.create", {"name": NAME}, resident="r")
    box.store.close()
    key_file = default_key_file(db)
    assert key_file == tmp_path / "data-keys" / "outbox.db.key"
    assert key_file.exists() and data not in key_file.parents
    assert mode(key_file) == 0o600 and mode(key_file.parent) == 0o700
    # A copy of the data folder alone carries no key: nothing in it holds the key's text.
    key = key_file.read_text(encoding="ascii").strip()
    copy = shutil.copytree(data, tmp_path / "copy")
    for path in Path(copy).rglob("*"):
        assert key.encode() not in path.read_bytes(), path
    assert open_outbox(db).get(item.id).payload == {"name": NAME}


def test_a_key_file_beside_the_database_is_migrated(tmp_path: Path, umask_022: None) -> None:
    db = tmp_path / "data" / "outbox.db"
    legacy = Path(f"{db}.key")
    box = open_outbox(db, key_file=legacy)  # where releases before this one kept it
    item = box.enqueue("booking.create", {"name": NAME}, resident="r")
    box.store.close()
    key = legacy.read_text(encoding="ascii").strip()
    box = open_outbox(db)
    try:
        assert box.get(item.id).payload == {"name": NAME}
    finally:
        box.store.close()
    assert not legacy.exists()
    assert default_key_file(db).read_text(encoding="ascii").strip() == key
    assert mode(default_key_file(db)) == 0o600


def test_a_configured_key_file_is_used_as_is(tmp_path: Path) -> None:
    key_file = tmp_path / "etc" / "outbox.key"
    key_file.parent.mkdir()
    key_file.write_text(new_key() + "\n", encoding="ascii")
    open_outbox(tmp_path / "outbox.db", key_file=key_file).store.close()
    assert not default_key_file(tmp_path / "outbox.db").exists()
