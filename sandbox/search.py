"""The sandbox's item search: the shared index (services.search_index) in demand order."""

from __future__ import annotations

from services.schemas import Item
from services.search_index import SearchIndex, demand_order

from .seed_data import ALIASES, MOST_REQUESTED


def build_index(items: list[Item]) -> SearchIndex:
    """The index the terminal builds too, over the items in the order without a query."""
    return SearchIndex(demand_order(items, MOST_REQUESTED), ALIASES)
