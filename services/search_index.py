"""SearchIndex: item search built once per catalogue version; a keystroke touches candidates only.

The items are given in their tie-break order, which is the platform's order without a query
(most requested first, `demand_order`), so a position is the whole tie-break. Postings are
sorted suffix lists searched with bisect: every syllable start of the full pinyin, every
offset of the initials and of the Chinese text. A term that would touch many entries (s, she,
社) has its ranking computed when the index is built; any other term scores only the
wordings bisect finds, and only the best `limit` are selected (heapq), never a full sort.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .schemas import LEVELS, Item
from .search_text import (ALIASES, Kind, Wording, kind_of, score_other, terms_of, wording,
                          wordings_of)

#: A term whose postings hold at least this share of the wordings (and at least HEAVY_MIN
#: entries) is ranked when the index is built: scoring it per keystroke would cost a good
#: part of a pass over every item. What is left to score per keystroke is then at most about
#: this share of the catalogue, at any catalogue size.
HEAVY_SHARE = 0.03
HEAVY_MIN = 20
_TERM_MAX = 100  # the best a term scores (search_text)
_TOP = "\U0010ffff"  # sorts after every character: [q, q + _TOP) is "starts with q"


def demand_order(items: Iterable[Item], most_requested: Sequence[str]) -> list[Item]:
    """The order without a query: the most requested first; then shorter names (the more
    general item), city before district before township before village, then the id."""
    rank = {name: i for i, name in enumerate(most_requested)}
    level = {lv: i for i, lv in enumerate(LEVELS)}
    return sorted(items, key=lambda it: (rank.get(it.name, len(rank)), len(it.name),
                                         level[it.level], it.id))


@dataclass(frozen=True)
class Found:
    """One page of the ranking and how many items match in all."""

    items: list[Item]
    total: int


class _Postings:
    """The suffixes of some strings that start at chosen offsets, in sorted order.

    Kept as two arrays (which string, which offset) rather than the suffix strings and
    tuples, which would take several times the memory; bisect reads a suffix when it probes.
    """

    def __init__(self, texts: list[str], starts: Iterable[tuple[int, int]]) -> None:
        self._texts = texts
        ordered = sorted(starts, key=lambda r: texts[r[0]][r[1]:])
        self.wids = array("i", (r[0] for r in ordered))
        self.offsets = array("i", (r[1] for r in ordered))

    def __len__(self) -> int:
        return len(self.wids)

    def __getitem__(self, i: int) -> str:
        return self._texts[self.wids[i]][self.offsets[i]:]

    def starting_with(self, q: str) -> Iterator[tuple[int, int]]:
        """(string, offset) of every suffix that starts with `q`."""
        lo = bisect_left(self, q)
        hi = bisect_left(self, q + _TOP, lo)
        return zip(self.wids[lo:hi], self.offsets[lo:hi], strict=True)

    def prefix_counts(self, length: int) -> Counter[str]:
        return Counter(k[:length] for k in map(self.__getitem__, range(len(self)))
                       if len(k) >= length)


class SearchIndex:
    """All items with their wordings and postings; read-only once built."""

    def __init__(self, items: Sequence[Item], aliases: Mapping[str, str] = ALIASES) -> None:
        self.items = list(items)
        self._wordings: list[Wording] = []
        self._wording_items: list[list[int]] = []
        by_text: dict[str, int] = {}
        for idx, item in enumerate(self.items):
            mine: list[int] = []
            for text in wordings_of(item.name, aliases):
                wid = by_text.get(text)
                if wid is None:
                    wid = by_text[text] = len(self._wordings)
                    self._wordings.append(wording(text))
                    self._wording_items.append([])
                if wid not in mine:
                    mine.append(wid)
                    self._wording_items[wid].append(idx)
        self._ids = {item.id.lower(): idx for idx, item in enumerate(self.items)}
        self._by_full: dict[str, list[int]] = {}
        self._by_initials: dict[str, list[int]] = {}
        for wid, w in enumerate(self._wordings):
            self._by_full.setdefault(w.full, []).append(wid)
            self._by_initials.setdefault(w.initials, []).append(wid)
        ws = self._wordings
        self._bounds = [w.boundaries for w in ws]
        self._syllables = _Postings([w.full for w in ws], [
            (wid, b) for wid, w in enumerate(ws) for b in w.boundaries if b < len(w.full)])
        self._initials = _Postings([w.initials for w in ws], [
            (wid, i) for wid, w in enumerate(ws) for i in range(len(w.initials))])
        self._chars = _Postings([w.text for w in ws], [
            (wid, i) for wid, w in enumerate(ws) for i in range(len(w.text))])
        self._filters = self._filter_sets()
        self._allowed_memo: dict[tuple[str | bool | None, ...], frozenset[int] | None] = {}
        # term -> (item positions best first, their scores): arrays, not lists or sets, since
        # a large catalogue ranks a thousand terms (a byte per score: none is above 100).
        self._ranked: dict[str, tuple[array[int], bytes]] = {}
        for term in self._heavy_terms():
            scores = self._term_scores(term)
            best_first = sorted(scores, key=lambda i: (-scores[i], i))
            self._ranked[term] = (array("i", best_first), bytes(scores[i] for i in best_first))
        # The booking screen always filters on bookable: its totals are counted here once.
        self._bookable_totals: dict[tuple[str, bool], int] = {}
        can_book = self._filters.get(("bookable", True), frozenset())
        for term, (order, _) in self._ranked.items():
            yes = sum(map(can_book.__contains__, order))
            self._bookable_totals[(term, True)] = yes
            self._bookable_totals[(term, False)] = len(order) - yes

    def __len__(self) -> int:
        return len(self.items)

    # -- building ---------------------------------------------------------------------------
    def _filter_sets(self) -> dict[tuple[str, str | bool], frozenset[int]]:
        sets: dict[tuple[str, str | bool], set[int]] = {}
        for idx, item in enumerate(self.items):
            keys: list[tuple[str, str | bool]] = [("level", item.level),
                                                  ("department", item.department),
                                                  ("bookable", item.bookable)]
            keys += [("life_event", e) for e in item.life_events]
            for key in keys:
                sets.setdefault(key, set()).add(idx)
        return {k: frozenset(v) for k, v in sets.items()}

    def _heavy_terms(self) -> list[str]:
        threshold = max(HEAVY_MIN, int(len(self._wordings) * HEAVY_SHARE))
        heavy: list[str] = []
        for postings, kind in ((self._syllables, Kind.PINYIN), (self._chars, Kind.CHINESE)):
            length = 1
            while True:
                counts = postings.prefix_counts(length)
                if postings is self._syllables:
                    counts.update(self._initials.prefix_counts(length))
                found = [k for k, n in counts.items() if n >= threshold and kind_of(k) is kind]
                if not found:
                    break
                heavy += found
                length += 1
        return heavy

    # -- one term ---------------------------------------------------------------------------
    def _term_scores(self, term: str) -> dict[int, int]:
        """Item position -> what `term` scores on its best wording, for every match.

        The scores are those of services.search_text, read off the postings: where a term
        starts in a wording already says how it scores, so no wording is searched again."""
        kind = kind_of(term)
        if kind is Kind.OTHER:
            return self._other_scores(term)
        n = len(term)
        wordings: dict[int, int] = {}
        if kind is Kind.CHINESE:
            first: dict[int, int] = {}
            for wid, at in self._chars.starting_with(term):
                if at < first.get(wid, 1 << 30):
                    first[wid] = at
            for wid, at in first.items():
                if at:
                    wordings[wid] = 70 - min(at, 10)
                else:
                    wordings[wid] = 100 if len(self._wordings[wid].text) == n else 90
        else:
            bounds = self._bounds
            for wid, at in self._syllables.starting_with(term):
                s = (80 if at == 0 else 60 - min(at // 4, 8)) + (6 if at + n in bounds[wid] else 0)
                if s > wordings.get(wid, 0):
                    wordings[wid] = s
            # Initials count only where the full pinyin matched nowhere at a syllable start.
            initials: dict[int, int] = {}
            for wid, at in self._initials.starting_with(term):
                if wid in wordings or (at and n == 1):
                    continue
                s = (75 if n > 1 else 55) if at == 0 else 50 - min(at, 8)
                if s > initials.get(wid, 0):
                    initials[wid] = s
            wordings.update(initials)
            for wid in self._by_initials.get(term, ()):
                wordings[wid] = 93
            for wid in self._by_full.get(term, ()):
                wordings[wid] = 95  # the whole pinyin beats the whole initials
        best: dict[int, int] = {}
        items_of = self._wording_items
        for wid, s in wordings.items():
            for idx in items_of[wid]:
                if s > best.get(idx, 0):
                    best[idx] = s
        return best

    def _other_scores(self, term: str) -> dict[int, int]:
        # Digits and mixed terms are rare on a pinyin keyboard: a plain pass is enough.
        best: dict[int, int] = {}
        for wid, w in enumerate(self._wordings):
            if term in w.lower:
                for idx in self._wording_items[wid]:
                    best[idx] = max(best.get(idx, 0), score_other(term, w, ""))
        exact = self._ids.get(term)
        if exact is not None:
            best[exact] = 100
        return best

    def _allowed(self, level: str | None, department: str | None, life_event: str | None,
                 bookable: bool | None) -> frozenset[int] | None:
        """Positions that pass the filters; None when there is no filter."""
        key = (level, department, life_event, bookable)
        if key in self._allowed_memo:
            return self._allowed_memo[key]
        wanted = [k for k in (("level", level), ("department", department),
                              ("life_event", life_event), ("bookable", bookable))
                  if k[1] is not None]
        allowed: frozenset[int] | None = None
        for name, value in wanted:
            assert value is not None
            s = self._filters.get((name, value), frozenset())
            allowed = s if allowed is None else allowed & s
        if len(self._allowed_memo) < 256:  # a handful of departments and events: bounded
            self._allowed_memo[key] = allowed
        return allowed

    # -- a query ----------------------------------------------------------------------------
    def search(self, q: str, *, level: str | None = None, department: str | None = None,
               life_event: str | None = None, bookable: bool | None = None,
               limit: int | None = None, offset: int = 0) -> Found:
        """Items that match every term of `q` and every filter, best first; `limit` of them
        from `offset` (all with None) and the number of matches in all."""
        terms = terms_of(q)
        allowed = self._allowed(level, department, life_event, bookable)
        end = None if limit is None else offset + limit
        if not terms:
            if allowed is None:
                return Found(self.items[offset:end], len(self.items))
            return Found(self._first(range(len(self.items)), allowed, offset, end), len(allowed))
        if len(terms) == 1 and terms[0] in self._ranked:
            order, _ = self._ranked[terms[0]]
            if allowed is None:
                total = len(order)
            elif bookable is not None and level is department is life_event is None:
                total = self._bookable_totals[(terms[0], bookable)]
            else:
                total = sum(map(allowed.__contains__, order))
            return Found(self._first(order, allowed, offset, end), total)
        scores = self._scores(terms)
        # One int per match orders as (-score, position) does, and ints compare far faster
        # than tuples: the best `end` of them, without sorting the rest when there are many.
        n, best = len(self.items), _TERM_MAX * len(terms)
        keys = [(best - s) * n + idx for idx, s in scores.items()
                if allowed is None or idx in allowed]
        # (A short list sorts faster than heapq selects from it.)
        top = sorted(keys) if end is None or len(keys) < 16 * end else heapq.nsmallest(end, keys)
        return Found([self.items[k % n] for k in top[offset:end]], len(keys))

    def _scores(self, terms: list[str]) -> dict[int, int]:
        """Summed scores of the items every term matches."""
        total: dict[int, int] | None = None
        for term in terms:
            ranked = self._ranked.get(term)
            if ranked is not None:
                scores = dict(zip(ranked[0], ranked[1], strict=True))
            else:
                scores = self._term_scores(term)
            if total is None:
                total = scores
            else:
                total = {i: s + scores[i] for i, s in total.items() if i in scores}
            if not total:
                break
        return total or {}

    def _first(self, order: Iterable[int], allowed: frozenset[int] | None, offset: int,
               end: int | None) -> list[Item]:
        """The items of `order` that pass `allowed`, from `offset` to `end`, in that order."""
        out: list[Item] = []
        seen = 0
        for idx in order:
            if allowed is not None and idx not in allowed:
                continue
            if end is not None and seen >= end:
                break
            if seen >= offset:
                out.append(self.items[idx])
            seen += 1
        return out
