"""The seed: deterministic, large and realistic enough for a prefecture-level city."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import timedelta
from pathlib import Path

from sandbox import seed, store
from sandbox_helpers import TODAY, Api

from services.schemas import LEVELS, SIBAN_TAGS


def _dump(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        rows = []
        for table in ("departments", "items", "life_events", "halls"):
            rows += [(table, *r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
        return rows
    finally:
        conn.close()


def test_generation_is_deterministic() -> None:
    a, b = seed.generate(), seed.generate()
    assert [i.model_dump() for i in a.items] == [i.model_dump() for i in b.items]
    assert a.halls == b.halls and a.life_events == b.life_events


def test_two_databases_seed_identically(tmp_path: Path) -> None:
    store.initialise(tmp_path / "a.db")
    store.initialise(tmp_path / "b.db")
    store.initialise(tmp_path / "b.db")  # a second start does not seed again
    assert _dump(tmp_path / "a.db") == _dump(tmp_path / "b.db")
    conn = sqlite3.connect(tmp_path / "a.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_seed_size_and_shape() -> None:
    data = seed.generate()
    assert len(data.items) >= 1000
    assert len({i.id for i in data.items}) == len(data.items)
    assert len(data.departments) >= 20
    assert {i.level for i in data.items} == set(LEVELS)
    assert {h.level for h in data.halls} == set(LEVELS)
    assert len(data.halls) >= 30
    per_dept = Counter(i.department for i in data.items)
    assert set(per_dept) == set(data.departments)
    assert min(per_dept.values()) >= 10
    bookable = sum(i.bookable for i in data.items)
    assert len(data.items) * 0.7 < bookable < len(data.items)
    assert any(i.cross_province for i in data.items)
    for item in data.items:
        assert item.tags and set(item.tags) <= set(SIBAN_TAGS)
        assert item.guide.materials and item.guide.where and item.guide.fee
        assert item.guide.promised_time_limit_days <= item.guide.legal_time_limit_days


def test_well_known_items_exist() -> None:
    names = {i.name: i for i in seed.generate().items}
    for name in ("社会保障卡申领", "社会保障卡补换", "社会保障卡挂失", "社保卡即时制卡",
                 "居民身份证换领", "居民身份证补领", "户口迁入", "出生登记"):
        assert name in names and names[name].bookable, name
    assert names["社会保障卡申领"].cross_province


def test_life_events_link_real_items() -> None:
    data = seed.generate()
    by_id = {i.id: i for i in data.items}
    names = {e.name for e in data.life_events}
    assert {"新生儿出生", "退休", "开办企业", "二手房交易"} <= names
    for event in data.life_events:
        assert len(event.item_ids) >= 3
        for item_id in event.item_ids:
            assert event.id in by_id[item_id].life_events


def test_fourteen_days_of_slots(api: Api) -> None:
    """A district hall opens Mon–Sat: every such day of the window has slots, then none."""
    open_days = 0
    for offset in range(15):
        day = TODAY + timedelta(days=offset)
        r = api.get("/v1/items/RS-Q002/slots", {"hall": "HALL-JC", "date": day.isoformat()})
        assert r.status_code == 200, r.text
        slots = r.json()["slots"]
        if offset == 14 or day.weekday() == 6:
            assert slots == [], day
        else:
            assert len(slots) >= 6, day
            open_days += 1
    assert open_days == 12
