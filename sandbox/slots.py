"""Appointment slots: half-hour steps inside a hall's sessions, named `HALL-ID@YYYY-MM-DDTHH:MM`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time, timedelta

from services.schemas import CHINA_TZ, Hall, Item

from .seed import SCHEDULES

CST = CHINA_TZ  # the zone Platform API v1 times are in
SLOT_MINUTES = 30
BOOKING_DAYS = 14  # today and the 13 days after it

#: Which hall levels serve an item of a given level (documented on GET /v1/halls):
#: city items at the city hall and every district hall (市级事项区级可办), district items at
#: district halls, township items at township centres and their district hall, village items
#: at village stations and their township centre.
SERVED_AT: dict[str, tuple[str, ...]] = {
    "市": ("市", "区"),
    "区": ("区",),
    "乡镇": ("乡镇", "区"),
    "村": ("村", "乡镇"),
}


@dataclass(frozen=True)
class SlotTime:
    id: str
    hall_id: str
    start: datetime
    end: datetime


def serves(hall: Hall, item: Item) -> bool:
    return hall.level in SERVED_AT[item.level]


def in_window(day: date, today: date) -> bool:
    return today <= day < today + timedelta(days=BOOKING_DAYS)


def slot_id(hall_id: str, start: datetime) -> str:
    return f"{hall_id}@{start.strftime('%Y-%m-%dT%H:%M')}"


def day_slots(hall: Hall, day: date) -> list[SlotTime]:
    """All slots of a hall on a day, whatever is booked; empty on days it is closed."""
    return list(_slots_of_day(hall.id, hall.level, day).values())


@lru_cache(maxsize=4096)  # halls × the 14 days of the window is a few hundred
def _slots_of_day(hall_id: str, level: str, day: date) -> dict[str, SlotTime]:
    # Made once per hall and day: every booking looks its slot up here, and building the
    # day's slots (datetime arithmetic, strftime) cost more than the booking's SQL.
    schedule = SCHEDULES[level]
    weekday = day.weekday()
    sessions = schedule.weekday if weekday < 5 else schedule.saturday if weekday == 5 else ()
    slots: dict[str, SlotTime] = {}
    for opens, closes in sessions:
        start = datetime.combine(day, time.fromisoformat(opens), CST)
        close = datetime.combine(day, time.fromisoformat(closes), CST)
        while start + timedelta(minutes=SLOT_MINUTES) <= close:
            end = start + timedelta(minutes=SLOT_MINUTES)
            slot = SlotTime(slot_id(hall_id, start), hall_id, start, end)
            slots[slot.id] = slot
            start = end
    return slots


def find_slot(hall: Hall, slot: str) -> SlotTime | None:
    """The slot an id names, if the id is well formed and the hall really has it."""
    hall_id, sep, stamp = slot.partition("@")
    if not sep or hall_id != hall.id:
        return None
    try:
        day = date.fromisoformat(stamp[:10])
    except ValueError:
        return None
    # Only the exact id a slot has is found: 2026-1-5T9:00 names no slot.
    return _slots_of_day(hall.id, hall.level, day).get(slot)


def capacity(hall: Hall) -> int:
    return SCHEDULES[hall.level].capacity
