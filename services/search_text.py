"""Search wordings of an item name (pinyin, initials, aliases) and how one term scores on one."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

_CJK = re.compile(r"[\u3400-\u9fff]")
SPACES = re.compile(r"[\s\u3000]+")

#: Shorter names residents use; a search wording with the alias is added for every item whose
#: name holds the official one. Both the platform and the terminal search with these, so the
#: terminal finds 社保卡 offline exactly as the platform does online.
ALIASES: dict[str, str] = {
    "社会保障卡": "社保卡",
    "居民身份证": "身份证",
    "住房公积金": "公积金",
    "城乡居民基本医疗保险": "居民医保",
    "职工基本医疗保险": "职工医保",
    "基本养老保险": "养老保险",
    "中华人民共和国残疾人证": "残疾人证",
    "最低生活保障": "低保",
    "机动车驾驶证": "驾照",
}


class Kind(enum.Enum):
    """How a query term is read: Chinese characters, pinyin letters, or anything else."""

    CHINESE = "chinese"
    PINYIN = "pinyin"
    OTHER = "other"


def kind_of(term: str) -> Kind:
    if _CJK.search(term):
        return Kind.CHINESE
    if term.isalpha() and term.isascii():
        return Kind.PINYIN
    return Kind.OTHER


def terms_of(q: str) -> list[str]:
    """The lower-cased space-separated terms of a query (ideographic spaces count too)."""
    return [t.lower() for t in SPACES.split(q.strip()) if t]


@dataclass(frozen=True)
class Wording:
    """One searchable wording of an item name with its pinyin."""

    text: str
    syllables: tuple[str, ...]
    full: str  # the syllables joined: shehuibaozhangkashenling
    initials: str  # first letter of each syllable: shbzksl
    boundaries: frozenset[int]  # offsets in `full` where a syllable starts (and the end)
    lower: str  # `text` lower-cased, for terms that are neither Chinese nor pinyin


def wording(text: str) -> Wording:
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
    return Wording(text, tuple(syllables), full, "".join(s[0] for s in syllables),
                   frozenset(offsets), text.lower())


def wordings_of(name: str, aliases: Mapping[str, str]) -> list[str]:
    # Residents say 社保卡, the catalogue says 社会保障卡: both wordings are searched and an
    # item scores by whichever fits the query better.
    texts = [name]
    for official, alias in aliases.items():
        if official in name:
            texts.append(name.replace(official, alias))
    return texts


def score_chinese(q: str, t: Wording) -> int:
    if t.text == q:
        return 100
    if t.text.startswith(q):
        return 90
    pos = t.text.find(q)
    if pos < 0:
        return 0
    # Earlier matches read as more relevant: 社保卡补换 before 申请社保卡...
    return 70 - min(pos, 10)


def score_pinyin(q: str, t: Wording) -> int:
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


def score_other(q: str, t: Wording, item_id: str) -> int:
    if item_id.lower() == q:
        return 100
    return 60 if q in t.lower else 0


def score(q: str, kind: Kind, t: Wording, item_id: str) -> int:
    """What term `q` (of `kind`) scores on wording `t` of item `item_id`; 0 is no match."""
    if kind is Kind.CHINESE:
        return score_chinese(q, t)
    if kind is Kind.PINYIN:
        return score_pinyin(q, t)
    return score_other(q, t, item_id)
