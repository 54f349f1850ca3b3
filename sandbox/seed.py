"""Deterministic generation of the sandbox catalogue, halls and life events from seed_data."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field

from services.schemas import SIBAN_TAGS, Guide, Hall, Item, LifeEvent

from . import seed_data as d

#: Bump when the generated data changes shape, so that an old database is recognisable.
SEED_VERSION = "1"
_RANDOM_SEED = 2021_0601  # the programme's year; any fixed value keeps the seed deterministic

LEVEL_CODES = {"S": "市", "Q": "区", "X": "乡镇", "C": "村"}


@dataclass(frozen=True)
class HallSchedule:
    """When a hall takes appointments: half-hour slots inside these sessions."""

    weekday: tuple[tuple[str, str], ...]
    saturday: tuple[tuple[str, str], ...]
    capacity: int  # residents per half-hour slot (windows open for appointments)
    hours_text: str


#: Opening hours and appointment capacity by hall level. Small capacities let tests fill a slot.
SCHEDULES: dict[str, HallSchedule] = {
    "市": HallSchedule((("09:00", "12:00"), ("13:30", "17:30")), (("09:00", "12:00"),), 5,
                      "周一至周五 9:00-12:00、13:30-17:30；周六 9:00-12:00"),
    "区": HallSchedule((("09:00", "12:00"), ("13:30", "17:30")), (("09:00", "12:00"),), 4,
                      "周一至周五 9:00-12:00、13:30-17:30；周六 9:00-12:00"),
    "乡镇": HallSchedule((("08:30", "12:00"), ("14:00", "17:30")), (), 3,
                        "周一至周五 8:30-12:00、14:00-17:30"),
    "村": HallSchedule((("09:00", "11:30"), ("14:30", "17:00")), (), 2,
                      "周一至周五 9:00-11:30、14:30-17:00"),
}


@dataclass
class SeedData:
    items: list[Item] = field(default_factory=list)
    halls: list[Hall] = field(default_factory=list)
    life_events: list[LifeEvent] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)


def expand(template: str) -> list[tuple[str, str]]:
    """`居民身份证{换领,补领}|QX` -> [(居民身份证换领, QX), (居民身份证补领, QX)]."""
    name, levels = template.split("|")
    parts = re.split(r"\{([^}]*)\}", name)
    # re.split alternates literal text and group contents: even indexes are literal.
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return [("".join(combo), levels) for combo in itertools.product(*choices)]


def _where(level: str, department: str) -> str:
    return {
        "市": f"{d.CITY}市民之家（市政务服务中心）{department}窗口",
        "区": f"各区政务服务中心{department}窗口",
        "乡镇": "各乡镇（街道）便民服务中心综合受理窗口",
        "村": "各村（社区）便民服务站代办点",
    }[level]


def _materials(name: str, dept_materials: list[str], rng: random.Random) -> list[str]:
    materials = ["申请人有效身份证件（居民身份证或社会保障卡）"]
    materials += dept_materials[: 1 + rng.randrange(len(dept_materials))]
    if "补" in name or "挂失" in name:
        materials.append("遗失或损坏情况说明")
    if "变更" in name or "更正" in name:
        materials.append("变更事项的证明材料")
    if "企业" in name or "经营" in name or "许可" in name:
        materials.append("营业执照或统一社会信用代码")
    if "代" in name or rng.random() < 0.3:
        materials.append("委托他人办理的，另需授权委托书及受托人身份证件")
    if "身份证" in name or "社会保障卡" in name or "社保卡" in name:
        materials.append("近期彩色免冠照片（可现场采集）")
    return materials


def _fee(name: str, rng: random.Random) -> str:
    if "居民身份证" in name and ("换领" in name or "补领" in name) and "异地" not in name:
        return "工本费20元"
    if "临时居民身份证" in name:
        return "工本费10元"
    if "护照" in name or "通行证" in name:
        return "按国家规定标准收费"
    if "公证" in name:
        return "按公证服务收费标准收取"
    return "免费" if rng.random() < 0.9 else "按规定标准收费"


def _tags(level: str, promised: int, rng: random.Random) -> list[str]:
    tags = {"网上办"} if rng.random() < 0.7 else set()
    if promised == 0:
        tags.add("马上办")
    if level in ("乡镇", "村"):
        tags.add("就近办")
    if rng.random() < 0.6:
        tags.add("一次办")
    return [t for t in SIBAN_TAGS if t in tags] or ["一次办"]


def _bookable(name: str, rng: random.Random) -> bool:
    # Queries and printouts are done at the terminal itself: nothing to book a window for.
    if "查询" in name or "打印" in name:
        return False
    if any(k in name for k in ("社会保障卡", "社保卡", "身份证", "户口", "出生", "退休")):
        return True
    return rng.random() >= 0.12


def _items(rng: random.Random) -> tuple[list[Item], list[str]]:
    items: list[Item] = []
    departments: list[str] = []
    for code, dept, law, dept_materials in d.DEPARTMENTS:
        departments.append(dept)
        seq = itertools.count(1)
        for template in d.TEMPLATES[code]:
            for name, levels in expand(template):
                for lv in levels:
                    level = LEVEL_CODES[lv]
                    legal = rng.choice((0, 1, 3, 5, 10, 15, 20, 30, 60))
                    promised = 0 if legal == 0 else rng.choice((0, legal // 2, legal))
                    items.append(Item(
                        id=f"{code}-{lv}{next(seq):03d}",
                        name=name,
                        department=dept,
                        level=level,  # type: ignore[arg-type]  # a LEVEL_CODES value
                        tags=_tags(level, promised, rng),
                        cross_province=any(k in name for k in d.CROSS_PROVINCE_KEYWORDS),
                        bookable=_bookable(name, rng),
                        guide=Guide(materials=_materials(name, dept_materials, rng),
                                    fee=_fee(name, rng), legal_time_limit_days=legal,
                                    promised_time_limit_days=promised,
                                    where=_where(level, dept), legal_basis=law),
                    ))
    return items, departments


def _life_events(items: list[Item]) -> list[LifeEvent]:
    first_by_name: dict[str, Item] = {}
    for item in items:
        first_by_name.setdefault(item.name, item)
    events = []
    for event_id, name, item_names in d.LIFE_EVENTS:
        missing = [n for n in item_names if n not in first_by_name]
        if missing:
            raise ValueError(f"life event {event_id} links unknown items: {missing}")
        ids = [first_by_name[n].id for n in item_names]
        for n in item_names:
            first_by_name[n].life_events.append(event_id)
        events.append(LifeEvent(id=event_id, name=name, item_ids=ids))
    return events


def _halls(rng: random.Random) -> list[Hall]:
    def address(district: str, township: str = "") -> str:
        street = rng.choice(d.STREETS)
        return f"{d.CITY}{district}{township}{street}{rng.randrange(1, 300)}号"

    halls = [Hall(id="HALL-CITY", name=f"{d.CITY}市民之家（市政务服务中心）", district="江城区",
                  level="市", address=f"{d.CITY}江城区市民大道1号",
                  hours=SCHEDULES["市"].hours_text)]
    for code, district, townships in d.DISTRICTS:
        halls.append(Hall(id=f"HALL-{code}", name=f"{district}政务服务中心", district=district,
                          level="区", address=address(district),
                          hours=SCHEDULES["区"].hours_text))
        for t_no, (township, villages) in enumerate(townships, start=1):
            t_id = f"HALL-{code}-{t_no:02d}"
            halls.append(Hall(id=t_id, name=f"{township}便民服务中心", district=district,
                              township=township, level="乡镇", address=address(district, township),
                              hours=SCHEDULES["乡镇"].hours_text))
            for v_no, village in enumerate(villages, start=1):
                # Stations in a 街道 serve a 社区; in a 镇 or 乡 they serve a 村.
                kind = "社区" if township.endswith("街道") else "村"
                halls.append(Hall(id=f"{t_id}-{v_no}", name=f"{village}{kind}便民服务站",
                                  district=district, township=township, level="村",
                                  address=address(district, township + village + kind),
                                  hours=SCHEDULES["村"].hours_text))
    return halls


def _scaled(items: list[Item], scale: int) -> list[Item]:
    """`scale` times the items: each further copy names a township (社会保障卡申领（白鹭镇）),
    so that a benchmark at 10× searches ten times as many distinct wordings, not duplicates."""
    places = [township for _, _, townships in d.DISTRICTS for township, _ in townships]
    extra: list[Item] = []
    for copy in range(1, scale):
        for n, item in enumerate(items):
            place = places[(copy * 7 + n) % len(places)]
            extra.append(item.model_copy(update={"id": f"{item.id}-{copy}",
                                                 "name": f"{item.name}（{place}）",
                                                 "life_events": []}))
    return items + extra


def generate(scale: int = 1) -> SeedData:
    """The whole seed; the same on every call and every machine. `scale` > 1 (benchmarks)
    adds scale - 1 copies of every item, each naming a township."""
    rng = random.Random(_RANDOM_SEED)
    items, departments = _items(rng)
    life_events = _life_events(items)
    halls = _halls(rng)
    return SeedData(items=_scaled(items, scale), halls=halls, life_events=life_events,
                    departments=departments)
