"""CatalogueService: typed calls for items, departments, life events and halls."""

from __future__ import annotations

from urllib.parse import quote

from .client import PlatformClient
from .schemas import (API_PREFIX, Department, DepartmentList, Hall, HallList, Item, ItemList,
                      LifeEvent, LifeEventList)


class CatalogueService:
    """The service catalogue (事项目录) as the terminal browses and searches it."""

    def __init__(self, client: PlatformClient) -> None:
        self._client = client

    def search_items(self, q: str = "", *, level: str | None = None,
                     department: str | None = None, life_event: str | None = None,
                     bookable: bool | None = None, limit: int = 20,
                     offset: int = 0) -> ItemList:
        """Items matching `q` (汉字, full pinyin or initials such as `sbk`), best first."""
        params = {"q": q or None, "level": level, "department": department,
                  "life_event": life_event, "bookable": bookable, "limit": limit,
                  "offset": offset}
        return self._client.get(f"{API_PREFIX}/items", params, ItemList)

    def get_item(self, item_id: str) -> Item:
        return self._client.get(f"{API_PREFIX}/items/{quote(item_id, safe='')}", None, Item)

    def departments(self) -> list[Department]:
        return self._client.get(f"{API_PREFIX}/departments", None, DepartmentList).departments

    def life_events(self) -> list[LifeEvent]:
        return self._client.get(f"{API_PREFIX}/life-events", None, LifeEventList).life_events

    def halls(self, item_id: str | None = None) -> list[Hall]:
        """All halls, or only those that serve `item_id`."""
        return self._client.get(f"{API_PREFIX}/halls", {"item": item_id}, HallList).halls
