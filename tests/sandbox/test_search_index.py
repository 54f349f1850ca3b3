"""The shared index (services.search_index) ranks exactly as the pass over every item did,
on thousands of queries over the seed catalogue, and a keystroke scores candidates only."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
from reference_search import SearchIndex as Reference

from sandbox import seed
from sandbox.search import build_index
from services import search_index
from services.schemas import Item
from services.search_index import SearchIndex
from services.search_text import wording

ITEMS = seed.generate().items
FILTERS: list[dict[str, Any]] = [
    {}, {"bookable": True}, {"bookable": False}, {"level": "村"}, {"level": "市"},
    {"department": "公安局"}, {"department": "人社局", "bookable": True},
    {"life_event": "birth"}, {"level": "乡镇", "bookable": True},
]


def _queries(items: list[Item], n: int, rng: random.Random) -> list[str]:
    """Keystrokes as residents make them: prefixes of pinyin at syllable starts, initials,
    Chinese substrings, several terms, typos, ids and odd characters."""
    out: list[str] = []
    for _ in range(n):
        name = rng.choice(items).name
        w = wording(name)
        kind = rng.randrange(8)
        if kind == 0 and w.full:
            start = rng.choice(sorted(w.boundaries - {len(w.full)}))
            out.append(w.full[start:start + rng.randint(1, 12)])
        elif kind == 1 and w.initials:
            start = rng.randrange(len(w.initials))
            out.append(w.initials[start:start + rng.randint(1, 5)])
        elif kind == 2:
            start = rng.randrange(len(name))
            out.append(name[start:start + rng.randint(1, 5)])
        elif kind == 3:
            out.append(" ".join(name[i:i + 2] for i in rng.sample(range(len(name)), 2)))
        elif kind == 4:
            out.append("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in
                               range(rng.randint(1, 4))))
        elif kind == 5:
            out.append(rng.choice(items).id.lower())
        elif kind == 6:
            out.append(rng.choice(["", " ", "12", "ic", "IC卡", "SBK", "社保　卡", "x-1",
                                   "证 zheng", "hukou", "ukou", "shebaoka", "公积金 提取", "（"]))
        else:
            out.append(w.full[: rng.randint(1, 8)].upper())
    return out


@pytest.fixture(scope="module")
def both() -> tuple[Reference, SearchIndex]:
    return Reference(ITEMS), build_index(ITEMS)


def test_same_ranking_and_totals_as_the_pass_over_every_item(
        both: tuple[Reference, SearchIndex]) -> None:
    reference, index = both
    rng = random.Random(11)
    for q in _queries(ITEMS, 3000, rng):
        filters = rng.choice(FILTERS)
        expected = reference.search(q, **filters)
        limit, offset = rng.choice([(20, 0), (30, 0), (5, 3), (100, 40), (None, 0)])
        found = index.search(q, limit=limit, offset=offset, **filters)
        end = None if limit is None else offset + limit
        assert [i.id for i in found.items] == [i.id for i in expected[offset:end]], (q, filters)
        assert found.total == len(expected), (q, filters)


def test_terms_ranked_at_build_time_rank_as_terms_scored_per_keystroke(
        monkeypatch: pytest.MonkeyPatch, both: tuple[Reference, SearchIndex]) -> None:
    _, index = both
    monkeypatch.setattr(search_index, "HEAVY_MIN", 10**9)  # nothing ranked in advance
    plain = build_index(ITEMS)
    assert not plain._ranked and index._ranked  # the heavy ones: s, she, 社, ...
    for term in list(index._ranked)[:60]:
        for filters in FILTERS[:4]:
            a = index.search(term, limit=30, **filters)
            b = plain.search(term, limit=30, **filters)
            assert [i.id for i in a.items] == [i.id for i in b.items] and a.total == b.total


def test_a_keystroke_touches_only_the_postings_of_its_term(
        monkeypatch: pytest.MonkeyPatch, both: tuple[Reference, SearchIndex]) -> None:
    _, index = both
    touched: list[int] = []
    real = search_index._Postings.starting_with

    def counting(self: Any, q: str) -> Iterator[tuple[int, int]]:
        found = list(real(self, q))
        touched.append(len(found))
        return iter(found)

    monkeypatch.setattr(search_index._Postings, "starting_with", counting)
    everything = len(index._syllables) + len(index._initials) + len(index._chars)
    scored = []
    for q in ("shebao", "社保卡", "sfz", "gongjijin", "sheb", "shebaokabu", "居民身份证换领"):
        touched.clear()
        assert index.search(q, limit=30).items
        # A few per cent of the entries at most (none for a term ranked at build time), and
        # no wording searched from its start.
        assert sum(touched) < everything / 20, (q, sum(touched), everything)
        scored += [q] if touched else []
    assert scored  # some of them were scored per keystroke, from their postings


def test_without_a_query_the_order_is_the_tie_break_order(
        both: tuple[Reference, SearchIndex]) -> None:
    reference, index = both
    assert [i.id for i in index.search("").items] == [i.id for i in reference.search("")]
    # Which is the order the index was built in: the terminal builds it from the pages.
    again = SearchIndex(index.search("").items)
    for q in ("s", "sbk", "社保", "公积金 提取"):
        assert ([i.id for i in again.search(q, limit=50).items]
                == [i.id for i in index.search(q, limit=50).items])
