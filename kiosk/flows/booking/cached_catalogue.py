"""The Catalogue port with a read cache: conditional GETs online, the last good answer offline."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

from pydantic import BaseModel, ValidationError

from offline_cache.cache import ResponseCache
from services.client import PlatformClient
from services.errors import BadResponse, PlatformUnavailable
from services.bookings import BookingService
from services.schemas import (API_PREFIX, Booking, BookingRequest, Department, DepartmentList,
                              Hall, HallList, Item, ItemList, LifeEvent, LifeEventList, Slot,
                              SlotList, SmsReceipt)

M = TypeVar("M", bound=BaseModel)


class CachedCatalogue:
    """Catalogue, halls and guides that keep working when the platform is unreachable.

    `last_age_s` is the age of the answer last served from the cache (None when it came
    fresh from the platform), so a screen can say "信息更新于…".
    """

    def __init__(self, client: PlatformClient, cache: ResponseCache) -> None:
        self._client = client
        self._cache = cache
        self.last_age_s: float | None = None

    def _get(self, path: str, params: dict[str, Any] | None, model: type[M]) -> M:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        key = path + ("?" + urlencode(sorted((k, str(v)) for k, v in clean.items()))
                      if clean else "")
        entry = self._cache.get(key)
        try:
            status, etag, body = self._client.get_conditional(
                path, clean, entry.etag if entry else None)
        except PlatformUnavailable:
            if entry is None:
                raise
            self.last_age_s = self._cache.age_s(entry)
            return self._parse(entry.body, model)
        if status == 304 and entry is not None:
            self._cache.touch(key)
            self.last_age_s = None
            return self._parse(entry.body, model)
        text = json.dumps(body, ensure_ascii=False)
        result = self._parse(text, model)  # validate before it goes into the cache
        self._cache.put(key, etag, text)
        self.last_age_s = None
        return result

    @staticmethod
    def _parse(text: str, model: type[M]) -> M:
        try:
            return model.model_validate_json(text)
        except ValidationError:
            raise BadResponse(detail=f"not a valid {model.__name__}") from None

    def search_items(self, q: str = "", *, level: str | None = None,
                     department: str | None = None, life_event: str | None = None,
                     bookable: bool | None = None, limit: int = 20,
                     offset: int = 0) -> ItemList:
        params = {"q": q or None, "level": level, "department": department,
                  "life_event": life_event,
                  "bookable": None if bookable is None else ("true" if bookable else "false"),
                  "limit": limit, "offset": offset}
        return self._get(f"{API_PREFIX}/items", params, ItemList)

    def get_item(self, item_id: str) -> Item:
        return self._get(f"{API_PREFIX}/items/{quote(item_id, safe='')}", None, Item)

    def departments(self) -> list[Department]:
        return self._get(f"{API_PREFIX}/departments", None, DepartmentList).departments

    def life_events(self) -> list[LifeEvent]:
        return self._get(f"{API_PREFIX}/life-events", None, LifeEventList).life_events

    def halls(self, item_id: str | None = None) -> list[Hall]:
        return self._get(f"{API_PREFIX}/halls", {"item": item_id}, HallList).halls


class CachedBookings:
    """Slot availability cached with its age; writes go to the platform service unchanged.

    Offline, the slot screen shows the last known availability and says how old it is; a
    booking made against it is only accepted once the platform confirms it (the outbox).
    """

    def __init__(self, reads: CachedCatalogue, bookings: BookingService) -> None:
        self._reads = reads
        self._bookings = bookings

    @property
    def last_age_s(self) -> float | None:
        return self._reads.last_age_s

    def slots(self, item_id: str, hall_id: str, day: date) -> list[Slot]:
        return self._reads._get(f"{API_PREFIX}/items/{quote(item_id, safe='')}/slots",
                                {"hall": hall_id, "date": day.isoformat()}, SlotList).slots

    def book(self, request: BookingRequest, idempotency_key: str) -> Booking:
        return self._bookings.book(request, idempotency_key)

    def send_sms(self, reference: str, phone: str, idempotency_key: str) -> SmsReceipt:
        return self._bookings.send_sms(reference, phone, idempotency_key)

    def get(self, reference: str) -> Booking:
        return self._bookings.get(reference)
