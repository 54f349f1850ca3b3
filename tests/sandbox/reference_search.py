"""The search before issue 11 (a pass over every item per query), kept to check the index."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

from services.schemas import LEVELS, Item

from sandbox.seed_data import ALIASES, MOST_REQUESTED

_CJK = re.compile(r"[\u3400-\u9fff]")
_SPACES = re.compile(r"[\s\u3000]+")


@dataclass(frozen=True)
class _Text:
    """One searchable wording of an item name with its pinyin."""

    text: str
    syllables: tuple[str, ...]
    full: str  # the syllables joined: shehuibaozhangkashenling
    initials: str  # first letter of each syllable: shbzksl
    boundaries: frozenset[int]  # offsets in `full` where a syllable starts (and the end)


def _text(text: str) -> _Text:
    syllables: list[str] = []
    for chunk in lazy_pinyin(text, style=Style.NORMAL, errors="default"):
        chunk = chunk.lower()
        # Non-Chinese runs (IC, digits) come back as one chunk; keep letters and digits only.
        syllables.extend(s for s in re.split(r"[^a-z0-9]+", chunk) if s)
    full = "".join(syllables)
    offsets, pos = [0], 0
    for s in syllables:
        pos += len(s)
        offsets.append(pos)
    return _Text(text, tuple(syllables), full, "".join(s[0] for s in syllables),
                 frozenset(offsets))


def _texts(name: str) -> list[_Text]:
    # Residents say 社保卡, the catalogue says 社会保障卡: both wordings are searched and an
    # item scores by whichever fits the query better.
    texts = [_text(name)]
    for official, alias in ALIASES.items():
        if official in name:
            texts.append(_text(name.replace(official, alias)))
    return texts


def _score_chinese(q: str, t: _Text) -> int:
    if t.text == q:
        return 100
    if t.text.startswith(q):
        return 90
    pos = t.text.find(q)
    if pos < 0:
        return 0
    # Earlier matches read as more relevant: 社保卡补换 before 申请社保卡...
    return 70 - min(pos, 10)


def _score_pinyin(q: str, t: _Text) -> int:
    if t.full == q:
        return 95
    if t.initials == q:
        return 93
    best = 0
    start = 0
    while (pos := t.full.find(q, start)) >= 0:
        start = pos + 1
        if pos not in t.boundaries:
            continue  # "an" inside "zhuan" is noise, not a match
        whole = (pos + len(q)) in t.boundaries  # ends on a syllable edge: whole word(s)
        score = (80 if pos == 0 else 60 - min(len(t.full[:pos]) // 4, 8)) + (6 if whole else 0)
        best = max(best, score)
    if best:
        return best
    pos = t.initials.find(q)
    if pos == 0:
        return 75 if len(q) > 1 else 55
    if pos > 0 and len(q) > 1:
        return 50 - min(pos, 8)
    return 0


def _score_other(q: str, t: _Text, item_id: str) -> int:
    if item_id.lower() == q:
        return 100
    return 60 if q in t.text.lower() else 0


class SearchIndex:
    """All items in memory with their pinyin, ranked per query; the catalogue is read-only."""

    def __init__(self, items: list[Item]) -> None:
        self._items = items
        self._texts = {item.id: _texts(item.name) for item in items}
        self._level_rank = {lv: i for i, lv in enumerate(LEVELS)}
        # Without a query nothing scores: the most requested come first, then the rest.
        self._demand_rank = {name: i for i, name in enumerate(MOST_REQUESTED)}

    def _score(self, term: str, item: Item) -> int:
        best = 0
        for t in self._texts[item.id]:
            if _CJK.search(term):
                s = _score_chinese(term, t)
            elif term.isalpha() and term.isascii():
                s = _score_pinyin(term, t)
            else:
                s = _score_other(term, t, item.id)
            best = max(best, s)
        return best

    def search(self, q: str, *, level: str | None = None, department: str | None = None,
               life_event: str | None = None, bookable: bool | None = None) -> list[Item]:
        """Items that match every space-separated term of `q` and every filter, best first."""
        terms = [t.lower() for t in _SPACES.split(q.strip()) if t]
        scored: list[tuple[int, Item]] = []
        for item in self._items:
            if level is not None and item.level != level:
                continue
            if department is not None and item.department != department:
                continue
            if life_event is not None and life_event not in item.life_events:
                continue
            if bookable is not None and item.bookable != bookable:
                continue
            total = 0
            for term in terms:
                s = self._score(term, item)
                if not s:
                    break
                total += s
            else:
                scored.append((total, item))
        # Ties: the more requested first; shorter names are the more general item; then city
        # before district etc.
        unranked = len(self._demand_rank)
        scored.sort(key=lambda p: (-p[0], self._demand_rank.get(p[1].name, unranked),
                                   len(p[1].name), self._level_rank[p[1].level], p[1].id))
        return [item for _, item in scored]
