"""The terminal database on sqlite-utils: field databases upgrade, the schema is the shipped one,
errors are typed."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from offline_cache.crypto import PayloadCipher, new_key
from offline_cache.outbox import Outbox
from offline_cache.store import MIGRATIONS, Migration, Store, StoreError

# The SQL that terminals in the field ran before the store moved to sqlite-utils: a database
# made by it must upgrade in place, and a new database must end up with the same schema.
FIELD_MIGRATIONS_TABLE = ("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at TEXT "
                          "NOT NULL DEFAULT (datetime('now')))")
FIELD_SQL = {
    "0001_outbox": """
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            kind TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            resident_key TEXT NOT NULL,
            payload BLOB NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'sent', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            next_attempt_at REAL NOT NULL,
            last_error TEXT,
            response TEXT,
            done_at REAL);
        CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
        CREATE INDEX outbox_resident ON outbox (resident_key, id);
    """,
    "0002_cache": """
        CREATE TABLE cache (
            key TEXT PRIMARY KEY,
            etag TEXT,
            body TEXT NOT NULL,
            fetched_at REAL NOT NULL);
    """,
    "0003_outbox_shown": "ALTER TABLE outbox ADD COLUMN shown_at REAL;",
    "0004_outbox_one_index": """
        CREATE TABLE outbox_0004 (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            idempotency_key TEXT NOT NULL UNIQUE,
            resident_key TEXT NOT NULL,
            payload BLOB NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'sent', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            created_at REAL NOT NULL,
            next_attempt_at REAL NOT NULL,
            last_error TEXT,
            response TEXT,
            done_at REAL,
            shown_at REAL);
        INSERT INTO outbox_0004 SELECT * FROM outbox;
        DROP TABLE outbox;
        ALTER TABLE outbox_0004 RENAME TO outbox;
        CREATE INDEX outbox_state ON outbox (state, resident_key, id, next_attempt_at);
    """,
}
LONG_AGO = "2025-01-01 00:00:00"


def field_database(path: Path, names: list[str]) -> None:
    """A database as a terminal left it after applying `names`, with some rows in it."""
    conn = sqlite3.connect(path)
    conn.execute(FIELD_MIGRATIONS_TABLE)
    for name in names:
        conn.executescript(FIELD_SQL[name])
        conn.execute("INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, LONG_AGO))
    conn.execute("INSERT INTO outbox (kind, idempotency_key, resident_key, payload, state, "
                 "created_at, next_attempt_at) VALUES ('k', 'key-1', 'r', x'00', 'pending', 1, 1)")
    conn.execute("INSERT INTO cache (key, body, fetched_at) VALUES ('halls', '[]', 1)")
    conn.commit()
    conn.close()


def migration_rows(path: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT name, applied_at FROM migrations ORDER BY rowid").fetchall()
    conn.close()
    return rows


def schema(path: Path) -> dict[str, Any]:
    """Every table's columns (name, type, not null, default, pk) and indexes, by name."""
    conn = sqlite3.connect(path)
    out: dict[str, Any] = {}
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                 "ORDER BY name"):
        indexes = {row[1]: (row[2], row[3], row[4],
                            conn.execute(f"PRAGMA index_info({row[1]!r})").fetchall())
                   for row in conn.execute(f"PRAGMA index_list({table!r})")}
        out[table] = {"columns": conn.execute(f"PRAGMA table_xinfo({table!r})").fetchall(),
                      "indexes": indexes}
    conn.close()
    return out


def test_a_terminal_with_0001_and_0002_gets_0003_0004_and_nothing_else(tmp_path: Path) -> None:
    db = tmp_path / "field.db"
    field_database(db, ["0001_outbox", "0002_cache"])
    store = Store(db)
    assert store.applied_migrations() == ["0001_outbox", "0002_cache", "0003_outbox_shown",
                                          "0004_outbox_one_index"]
    with store.reading() as conn:
        row = conn.execute("SELECT idempotency_key, shown_at FROM outbox").fetchone()
        assert tuple(row) == ("key-1", None)
        assert conn.execute("SELECT COUNT(*) FROM cache").fetchone()[0] == 1
    store.close()
    rows = migration_rows(db)
    assert rows[:2] == [("0001_outbox", LONG_AGO), ("0002_cache", LONG_AGO)]  # not re-run
    Store(db).close()
    Store(db).close()
    assert migration_rows(db) == rows, "reopening applies and records nothing again"


def test_an_up_to_date_field_database_is_left_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "field.db"
    field_database(db, list(FIELD_SQL))
    before = schema(db)
    Store(db).close()
    assert migration_rows(db) == [(name, LONG_AGO) for name in FIELD_SQL]
    assert schema(db) == before


def test_a_new_database_has_the_schema_the_field_has(tmp_path: Path) -> None:
    field_database(tmp_path / "field.db", list(FIELD_SQL))
    Store(tmp_path / "new.db").close()
    assert schema(tmp_path / "new.db") == schema(tmp_path / "field.db")
    assert [name for name, _ in MIGRATIONS] == list(FIELD_SQL)


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    def broken(db: Database) -> None:
        db.table("cache").create({"key": str}, pk="key")
        db.execute("ALTER TABLE nowhere ADD COLUMN x TEXT")
    migrations: list[tuple[str, Migration]] = [MIGRATIONS[0], ("0002_broken", broken)]
    with pytest.raises(StoreError, match="no such table: nowhere"):
        Store(tmp_path / "t.db", migrations=migrations)
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("SELECT name FROM sqlite_master").fetchall() == []  # not even 0001
    conn.close()
    assert Store(tmp_path / "t.db").applied_migrations() == [name for name, _ in MIGRATIONS]


def test_sql_migrations_may_hold_several_statements_and_semicolons_in_strings(
        tmp_path: Path) -> None:
    migrations: list[tuple[str, Migration]] = [
        ("0001_notes", "CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('a; b');")]
    store = Store(tmp_path / "t.db", migrations=migrations)
    with store.reading() as conn:
        assert conn.execute("SELECT t FROM notes").fetchone()[0] == "a; b"
    store.close()


def test_a_path_that_cannot_be_opened_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "a-directory.db").mkdir()
    with pytest.raises(StoreError, match="cannot open the terminal database .*a-directory.db"):
        Store(tmp_path / "a-directory.db")


def test_0004_keeps_every_row_and_id_and_drops_autoincrement(tmp_path: Path) -> None:
    db = tmp_path / "field.db"
    key = new_key()
    store = Store(db, migrations=MIGRATIONS[:3])  # a terminal as 0003 left it
    box = Outbox(store, PayloadCipher(key))
    items = [box.enqueue("k", {"n": i}, resident=f"r{i % 2}") for i in range(6)]
    box.mark_sent(box.claim_due(1)[0].id, {"ok": True})
    store.close()
    store = Store(db)
    box = Outbox(store, PayloadCipher(key))
    assert store.applied_migrations()[-1] == "0004_outbox_one_index"
    assert [box.get(i.id).payload for i in items] == [{"n": i} for i in range(6)]
    assert [box.get(i.id).state for i in items] == ["sent"] + ["pending"] * 5
    assert box.get(items[0].id).response == {"ok": True}
    with store.reading() as conn:
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'outbox'").fetchone()[0]
        indexes = {r[1] for r in conn.execute("PRAGMA index_list(outbox)")}
    assert "AUTOINCREMENT" not in sql.upper()
    assert indexes == {"outbox_state", "sqlite_autoindex_outbox_1"}
    # Each resident's writes still go in order, and new rows come after the old ones.
    assert [i.id for i in box.claim_due(10)] == [items[1].id, items[2].id]
    assert box.enqueue("k", {"n": 6}, resident="r0").id > items[-1].id
    store.close()
