"""What `kiosk soak` measures between sessions (RSS, Python objects, Kivy observers, caches)
and how it judges the run: growth from a baseline sample taken after the warm-up."""

from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

#: Limits of issue 11: RSS from the baseline to the end, observers and objects not at all
#: (objects: a little slack for what lives only between two collections, e.g. log records).
RSS_GROWTH_LIMIT = 0.02
OBJECT_GROWTH_LIMIT = 0.002


@dataclass(frozen=True)
class Sample:
    """The process after `sessions` sessions, at the attract screen, after a full collection."""

    sessions: int
    rss_mb: float
    objects: int
    observers: int
    widgets: int
    native_heap_mb: float | None = None
    kivy_cache: dict[str, int] = field(default_factory=dict)
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rss_mb() -> float:
    """Resident set size of this process, from /proc (what top and systemd see)."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost")]


def native_heap_mb() -> float | None:
    """Bytes glibc's malloc has handed out and not had back (mallinfo2), or None off glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mallinfo2 = libc.mallinfo2
    except (OSError, AttributeError):
        return None
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return float(info.uordblks + info.hblkhd) / 2**20


def dispatchers(app: Any) -> Iterator[Any]:
    """Every Kivy EventDispatcher the app holds: the window, the app, the theme, every widget
    on screen, in a dialog or on a screen that is not shown."""
    from kivy.core.window import Window
    seen: set[int] = set()
    stack: list[Any] = [Window, app, app.theme, *Window.children, *app.sm.screens]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        stack.extend(getattr(obj, "children", ()))


def observer_count(objs: list[Any]) -> int:
    """Callbacks bound to the properties of `objs` (kv rules, bind(), fbind())."""
    total = 0
    for obj in objs:
        for name in obj.properties():
            total += len(obj.get_property_observers(name))
    return total


def kivy_cache_sizes() -> dict[str, int]:
    """Entries in each of Kivy's caches (textures, label textures, kv lang, images)."""
    from kivy.cache import Cache
    return {category: len(entries) for category, entries in Cache._objects.items()}


def measure(app: Any, sessions: int, failed: int = 0) -> Sample:
    gc.collect()
    objs = list(dispatchers(app))
    return Sample(sessions=sessions, rss_mb=round(rss_mb(), 1), objects=len(gc.get_objects()),
                  observers=observer_count(objs), widgets=len(objs),
                  native_heap_mb=_round(native_heap_mb()), kivy_cache=kivy_cache_sizes(),
                  failed=failed)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


@dataclass(frozen=True)
class Verdict:
    """Growth from the baseline sample to the last one, and whether it is within the limits."""

    baseline: Sample
    last: Sample
    failed: int

    @property
    def rss_growth(self) -> float:
        return self.last.rss_mb / self.baseline.rss_mb - 1

    @property
    def object_growth(self) -> float:
        return self.last.objects / self.baseline.objects - 1

    @property
    def observer_growth(self) -> int:
        return self.last.observers - self.baseline.observers

    def problems(self) -> list[str]:
        out = []
        if self.rss_growth > RSS_GROWTH_LIMIT:
            out.append(f"RSS grew {self.rss_growth:.1%} (limit {RSS_GROWTH_LIMIT:.0%})")
        if self.observer_growth > 0:
            out.append(f"Kivy observers grew by {self.observer_growth}")
        if self.object_growth > OBJECT_GROWTH_LIMIT:
            out.append(f"Python objects grew {self.object_growth:.2%} "
                       f"(limit {OBJECT_GROWTH_LIMIT:.1%})")
        if self.failed:
            out.append(f"{self.failed} session(s) failed")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"baseline_sessions": self.baseline.sessions, "last_sessions": self.last.sessions,
                "rss_growth": round(self.rss_growth, 4),
                "object_growth": round(self.object_growth, 4),
                "observer_growth": self.observer_growth, "failed": self.failed,
                "ok": not self.problems(), "problems": self.problems()}
