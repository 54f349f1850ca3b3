"""The sandbox's SQLite database: schema, first-start seeding and the in-memory catalogue."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from services.schemas import Department, Hall, Item, LifeEvent
from services.search_index import SearchIndex

from . import duplicates, face_seed, resident_sessions, seed
from .search import build_index

BUSY_TIMEOUT_MS = 10_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS departments (name TEXT PRIMARY KEY, position INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, name TEXT NOT NULL,
    department TEXT NOT NULL, level TEXT NOT NULL, bookable INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS life_events (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS halls (
    id TEXT PRIMARY KEY, position INTEGER NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS slot_usage (
    slot_id TEXT PRIMARY KEY, hall_id TEXT NOT NULL, day TEXT NOT NULL, taken INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS slot_usage_hall_day ON slot_usage (hall_id, day);
CREATE TABLE IF NOT EXISTS bookings (
    reference TEXT PRIMARY KEY, status TEXT NOT NULL, slot_id TEXT NOT NULL,
    data TEXT NOT NULL, created_at TEXT NOT NULL, cancelled_at TEXT,
    terminal TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL,
    body TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ledger (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, idempotency_key TEXT NOT NULL,
    status INTEGER NOT NULL, reference TEXT, applied_at TEXT NOT NULL,
    terminal TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS sms (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, reference TEXT NOT NULL, phone_masked TEXT NOT NULL,
    text TEXT NOT NULL, sent_at TEXT NOT NULL, terminal TEXT NOT NULL DEFAULT '');
""" + duplicates.SCHEMA + resident_sessions.SCHEMA

#: Columns added after a table was first made: a database from an older sandbox gains them at
#: start. Rows from before carry '' as their terminal, which no terminal is: they stay unread.
ADDED_COLUMNS = (("bookings", "terminal", "TEXT NOT NULL DEFAULT ''"),
                 ("ledger", "terminal", "TEXT NOT NULL DEFAULT ''"),
                 ("sms", "terminal", "TEXT NOT NULL DEFAULT ''"))


def connect(db_path: str | Path, autocheckpoint: bool = True) -> sqlite3.Connection:
    """A connection in autocommit mode, so that transactions are explicit (BEGIN IMMEDIATE);
    the app keeps them in a pool and checkpoints itself (sandbox/pool.py) without
    `autocheckpoint`."""
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                           check_same_thread=False)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # NORMAL in WAL mode: COMMIT writes the transaction to the WAL before it returns, so a
    # booking acknowledged survives the server being killed; only the checkpoints fsync, so a
    # power cut may lose the last bookings (never corrupt the file). FULL would add an fsync
    # to every booking (2-4 ms here); the terminal's outbox is where it is FULL.
    conn.execute("PRAGMA synchronous = NORMAL")
    if not autocheckpoint:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.row_factory = sqlite3.Row
    return conn


def initialise(db_path: str | Path) -> None:
    """Create the schema and seed the catalogue if the database is empty (first start)."""
    conn = connect(db_path)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(SCHEMA)
        _add_columns(conn)
        conn.execute("BEGIN IMMEDIATE")  # two servers starting on one file seed only once
        try:
            if conn.execute("SELECT COUNT(*) FROM items").fetchone()[0] == 0:
                _write_seed(conn, seed.generate())
            # Every start, not only the first: a database from before the faces gets them too.
            face_seed.seed_references(conn)
            duplicates.ensure_secret(conn)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()


def _add_columns(conn: sqlite3.Connection) -> None:
    for table, column, declaration in ADDED_COLUMNS:
        have = {r["name"] for r in conn.execute(f"PRAGMA table_info({table})")}
        if column not in have:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")


def _write_seed(conn: sqlite3.Connection, data: seed.SeedData) -> None:
    conn.executemany("INSERT INTO departments VALUES (?, ?)",
                     [(name, i) for i, name in enumerate(data.departments)])
    conn.executemany(
        "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(it.id, i, it.name, it.department, it.level, int(it.bookable), it.model_dump_json())
         for i, it in enumerate(data.items)])
    conn.executemany("INSERT INTO life_events VALUES (?, ?, ?)",
                     [(e.id, i, e.model_dump_json()) for i, e in enumerate(data.life_events)])
    conn.executemany("INSERT INTO halls VALUES (?, ?, ?)",
                     [(h.id, i, h.model_dump_json()) for i, h in enumerate(data.halls)])
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('seed_version', ?)", (seed.SEED_VERSION,))


@dataclass
class Catalogue:
    """The read-only part of the database, loaded once: items, halls, departments, events."""

    items: list[Item]
    halls: list[Hall]
    departments: list[Department]
    life_events: list[LifeEvent]
    items_by_id: dict[str, Item] = field(init=False)
    halls_by_id: dict[str, Hall] = field(init=False)
    index: SearchIndex = field(init=False)

    def __post_init__(self) -> None:
        self.items_by_id = {i.id: i for i in self.items}
        self.halls_by_id = {h.id: h for h in self.halls}
        self.index = build_index(self.items)


def load_catalogue(db_path: str | Path) -> Catalogue:
    conn = connect(db_path)
    try:
        items = [Item.model_validate(json.loads(r["data"]))
                 for r in conn.execute("SELECT data FROM items ORDER BY position")]
        halls = [Hall.model_validate(json.loads(r["data"]))
                 for r in conn.execute("SELECT data FROM halls ORDER BY position")]
        events = [LifeEvent.model_validate(json.loads(r["data"]))
                  for r in conn.execute("SELECT data FROM life_events ORDER BY position")]
        names = [r["name"] for r in conn.execute("SELECT name FROM departments ORDER BY position")]
    finally:
        conn.close()
    counts = Counter(i.department for i in items)
    departments = [Department(name=n, item_count=counts[n]) for n in names]
    return Catalogue(items, halls, departments, events)
