"""Read cache of platform answers (catalogue, halls, guides) with their ETag and age."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .store import Store


@dataclass(frozen=True)
class CachedEntry:
    key: str
    etag: str | None
    body: str
    fetched_at: float


class ResponseCache:
    """Last good answer per request key. Holds public data only (never a resident's)."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock

    def get(self, key: str) -> CachedEntry | None:
        with self.store.reading() as conn:
            r = conn.execute("SELECT key, etag, body, fetched_at FROM cache WHERE key = ?",
                             (key,)).fetchone()
        if r is None:
            return None
        return CachedEntry(r["key"], r["etag"], r["body"], float(r["fetched_at"]))

    def put(self, key: str, etag: str | None, body: str) -> None:
        with self.store.transaction() as conn:
            conn.execute("INSERT INTO cache (key, etag, body, fetched_at) VALUES (?, ?, ?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET etag = excluded.etag, "
                         "body = excluded.body, fetched_at = excluded.fetched_at",
                         (key, etag, body, self._clock()))

    def touch(self, key: str) -> None:
        """A 304 said the copy is still current: it is fresh as of now."""
        with self.store.transaction() as conn:
            conn.execute("UPDATE cache SET fetched_at = ? WHERE key = ?", (self._clock(), key))

    def age_s(self, entry: CachedEntry) -> float:
        return max(self._clock() - entry.fetched_at, 0.0)
