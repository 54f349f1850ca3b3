"""The task registry: every resident service described once; home, app and sender read it.

Adding a service is a folder under kiosk/flows/ and kiosk/screens/ plus its entry: a TaskSpec
in kiosk/tasks/<task>.py, listed in `default_registry()`. The home tile, the screens, the
navigation and the write kinds follow from the entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from writes.kinds import WriteKinds, default_kinds

from kiosk.context import ScreenSpec, TaskSpec
from kiosk.texts import text

#: Screens of the shell itself, not of a task.
SHELL_SCREENS: tuple[ScreenSpec, ...] = (
    ScreenSpec("attract", "kiosk.screens.attract:AttractScreen", "screens/attract.kv"),
    ScreenSpec("home", "kiosk.screens.home:HomeScreen", "screens/home.kv"),
)

#: Services of the programme (DESIGN.md §1) not built yet: their tiles say 即将开放.
COMING: tuple[TaskSpec, ...] = (
    TaskSpec("apply", "审批服务", "填表 拍材料 提交申请", "审"),
    TaskSpec("query", "查询打印", "办件进度 社保记录 电子证照", "查", needs=("idcard", "platform")),
    TaskSpec("pay", "便民缴费", "水 电 燃气 各类费用", "缴", needs=("idcard", "platform")),
    TaskSpec("rating", "好差评", "评价办过的事", "评"),
    TaskSpec("assist", "帮办代办", "工作人员协助办理", "帮"),
    TaskSpec("life_event", "一事联办", "一件事 一次办", "联"),
    TaskSpec("cross_province", "跨省通办", "外省居民 同样办理", "跨"),
    TaskSpec("hotline", "12345热线", "投诉 建议 求助", "话", needs_identity=False),
    TaskSpec("public", "政务公开", "政策文件 公示公告", "公", needs_identity=False),
    TaskSpec("policy", "惠企政策", "企业扶持 申报指南", "企", needs_identity=False),
)


class TaskRegistry:
    """Tasks in home-screen order; a key is registered once."""

    def __init__(self, tasks: Iterable[TaskSpec] = ()) -> None:
        self._tasks: dict[str, TaskSpec] = {}
        for task in tasks:
            self.register(task)

    def register(self, task: TaskSpec) -> None:
        if task.key in self._tasks:
            raise ValueError(f"task {task.key!r} is registered twice")
        taken = {s.name for t in self._tasks.values() for s in t.screens}
        taken |= {s.name for s in SHELL_SCREENS}
        clash = taken & {s.name for s in task.screens}
        if clash:
            raise ValueError(f"task {task.key!r}: screen name(s) {sorted(clash)} already taken")
        unknown = set(task.steps.values()) - {s.name for s in task.screens}
        if unknown:
            raise ValueError(f"task {task.key!r}: steps show unknown screen(s) {sorted(unknown)}")
        self._tasks[task.key] = task

    def get(self, key: str) -> TaskSpec:
        return self._tasks[key]

    def __iter__(self) -> Iterator[TaskSpec]:
        return iter(self._tasks.values())

    def tiles(self) -> list[TaskSpec]:
        return [t for t in self._tasks.values() if t.on_home]

    def screens(self) -> list[ScreenSpec]:
        """Every screen to build: the shell's, then each task's."""
        return [*SHELL_SCREENS, *(s for t in self._tasks.values() for s in t.screens)]

    def write_kinds(self) -> WriteKinds:
        """The kinds the app's sender delivers: every task's own."""
        return WriteKinds(k for t in self._tasks.values() for k in t.write_kinds)


def unavailable_reason(task: TaskSpec, usable: Mapping[str, bool]) -> str | None:
    """Plain-Chinese reason a built service cannot start now, or None when it can."""
    if "platform" in task.needs and not usable.get("platform", False):
        return text("home.needs_platform")
    missing = [text(f"device.{d}") for d in task.needs
               if d != "platform" and not usable.get(d, False)]
    if missing:
        return text("home.devices_down", devices="、".join(missing))
    return None


def default_registry() -> TaskRegistry:
    """The terminal's services: one entry each (built ones first, then those coming)."""
    from .booking import TASK as BOOKING
    from .identify import TASK as IDENTIFY

    return TaskRegistry([IDENTIFY, BOOKING, *COMING])


def check_headless_kinds(registry: TaskRegistry, headless: WriteKinds | None = None) -> set[str]:
    """Kinds a task sends that the CLIs and the agent (writes.default_kinds) could not deliver."""
    known = (headless or default_kinds()).names()
    return {k.name for t in registry for k in t.write_kinds} - known
