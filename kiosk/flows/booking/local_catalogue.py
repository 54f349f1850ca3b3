"""LocalCatalogue: the whole item catalogue kept on the terminal, synced by ETag, searched here.

`sync()` pages through GET /v1/items without a query (the platform's order without a query is
the search's tie-break, so the copy keeps it) with If-None-Match per page, and stores the
pages in the terminal's read cache with a manifest naming the catalogue version. The search
index is built once per version; every keystroke is answered from it, online or offline, for
any query. Until a first sync has succeeded, searches go to the platform as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError

from offline_cache.cache import ResponseCache
from services.client import PlatformClient
from services.errors import BadResponse, PlatformError
from services.schemas import API_PREFIX, Department, Hall, Item, ItemList, LifeEvent

from kiosk.ports import Catalogue

if TYPE_CHECKING:
    from services.search_index import SearchIndex

PAGE = 100  # the platform's largest page
MANIFEST_KEY = "catalogue-copy/manifest"
_PAGE_KEY = "catalogue-copy/items?offset={offset}"
_TRIES = 3  # a catalogue that changes while it is paged through is paged again
#: How often a running terminal revalidates its copy, and how soon it tries again after a
#: failed sync. Revalidating is cheap: every unchanged page is a 304 without a body.
REFRESH_S = 3600.0
RETRY_S = 120.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncResult:
    """What a sync did: the version now held, its size, whether it changed, pages re-sent."""

    version: str
    items: int
    changed: bool
    pages_sent: int


class LocalCatalogue:
    """The Catalogue port with search answered from the terminal's own copy.

    Everything but the search (guides, departments, halls) goes to `reads`, the cached
    catalogue, as before; so does the search while no copy exists yet.
    """

    def __init__(self, client: PlatformClient, cache: ResponseCache, reads: Catalogue) -> None:
        self._client = client
        self._cache = cache
        self._reads = reads
        self._current: tuple[str, SearchIndex] | None = None
        self._sync_lock = threading.Lock()  # one sync at a time
        # Guards the swap of the index and its first load from the cache; a search waits at
        # most for that load, never for a sync on the network.
        self._load_lock = threading.Lock()
        self._loaded = False

    # -- the copy ---------------------------------------------------------------------------
    @property
    def version(self) -> str | None:
        current = self._index()
        return current[0] if current else None

    def sync(self) -> SyncResult:
        """Bring the copy up to date; PlatformError when the platform cannot be asked."""
        with self._sync_lock:
            for _ in range(_TRIES):
                result = self._sync_once()
                if result is not None:
                    return result
        raise BadResponse(detail="the catalogue kept changing while it was paged through")

    def keep_fresh(self, stop: threading.Event, every_s: float = REFRESH_S,
                   retry_s: float = RETRY_S) -> None:
        """Sync now and then every `every_s` until `stop` is set (the app's thread)."""
        while not stop.is_set():
            try:
                result = self.sync()
            except PlatformError as exc:
                log.info("catalogue copy not synced (%s); next try in %.0f s",
                         type(exc).__name__, retry_s)
                stop.wait(retry_s)
                continue
            log.info("catalogue copy %s: %d items, %d pages sent", result.version,
                     result.items, result.pages_sent)
            stop.wait(every_s)

    def _sync_once(self) -> SyncResult | None:
        pages: list[str] = []
        items: list[Item] = []
        sent = 0
        total = 1
        offset = 0
        while offset < total:
            key = _PAGE_KEY.format(offset=offset)
            entry = self._cache.get(key)
            status, etag, body = self._client.get_conditional(
                f"{API_PREFIX}/items", {"limit": PAGE, "offset": offset},
                entry.etag if entry else None)
            if status == 304 and entry is not None:
                text = entry.body
            else:
                text = json.dumps(body, ensure_ascii=False)
                self._cache.put(key, etag, text)
                sent += 1
            page = _parse(text)
            pages.append(text)
            items += page.items
            total = page.total
            offset += PAGE
        if len(items) != total or len({i.id for i in items}) != total:
            return None  # pages from two versions: page again
        version = hashlib.sha256("\n".join(pages).encode()).hexdigest()[:32]
        old = self._cache.get(MANIFEST_KEY)
        changed = old is None or old.etag != version
        if changed:
            manifest = {"version": version, "pages": len(pages), "total": total}
            self._cache.put(MANIFEST_KEY, version, json.dumps(manifest))
        else:
            self._cache.touch(MANIFEST_KEY)
        current = self._current
        fresh = None if current and current[0] == version else build_index(items)
        with self._load_lock:
            if fresh is not None:
                self._current = (version, fresh)  # built once per version, swapped whole
            self._loaded = True
        return SyncResult(version, total, changed, sent)

    def _index(self) -> tuple[str, SearchIndex] | None:
        """The index of the copy, built from the cache at first use (after a restart)."""
        if self._current is not None or self._loaded:
            return self._current
        with self._load_lock:
            if not self._loaded:
                self._current = load_copy(self._cache)
                self._loaded = True
        return self._current

    @property
    def age_s(self) -> float | None:
        """Seconds since the copy was last confirmed current; None without a copy."""
        return copy_age_s(self._cache)

    # -- the Catalogue port -----------------------------------------------------------------
    def search_items(self, q: str = "", *, level: str | None = None,
                     department: str | None = None, life_event: str | None = None,
                     bookable: bool | None = None, limit: int = 20,
                     offset: int = 0) -> ItemList:
        current = self._index()
        if current is None:
            return self._reads.search_items(q, level=level, department=department,
                                            life_event=life_event, bookable=bookable,
                                            limit=limit, offset=offset)
        found = current[1].search(q, level=level, department=department,
                                  life_event=life_event, bookable=bookable, limit=limit,
                                  offset=offset)
        return ItemList(items=found.items, total=found.total)

    def get_item(self, item_id: str) -> Item:
        return self._reads.get_item(item_id)

    def departments(self) -> list[Department]:
        return self._reads.departments()

    def life_events(self) -> list[LifeEvent]:
        return self._reads.life_events()

    def halls(self, item_id: str | None = None) -> list[Hall]:
        return self._reads.halls(item_id)


def load_copy(cache: ResponseCache) -> tuple[str, SearchIndex] | None:
    """The version and index of the copy in `cache`; None without a whole, readable one."""
    manifest = cache.get(MANIFEST_KEY)
    if manifest is None:
        return None
    try:
        meta = json.loads(manifest.body)
        items: list[Item] = []
        for n in range(int(meta["pages"])):
            entry = cache.get(_PAGE_KEY.format(offset=n * PAGE))
            if entry is None:
                return None
            items += _parse(entry.body).items
        if len(items) != int(meta["total"]):
            return None
        version = str(meta["version"])
    except (ValueError, KeyError, TypeError, BadResponse):
        return None  # a damaged copy is no copy: the platform answers until the next sync
    return version, build_index(items)


def build_index(items: list[Item]) -> SearchIndex:
    # Imported here: pypinyin's dictionaries take a third of a second to load, and the
    # index is built off the main thread after the first frame, not at start (issue 11).
    from services.search_index import SearchIndex
    from services.search_text import ALIASES
    return SearchIndex(items, ALIASES)


def copy_age_s(cache: ResponseCache) -> float | None:
    """Seconds since the copy in `cache` was last confirmed current; None without one."""
    entry = cache.get(MANIFEST_KEY)
    return None if entry is None else cache.age_s(entry)


def _parse(text: str) -> ItemList:
    try:
        return ItemList.model_validate_json(text)
    except ValidationError:
        raise BadResponse(detail="not a valid ItemList") from None
