"""The item screen driven the way a resident pokes at it: tabs back and forth, quick taps."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from tests.e2e.scenario_steps import on, one, past_face, screen, to_identify
from tests.e2e.scripted import (Script, ScriptFailed, ScriptRunner, find_buttons, overlap, settle,
                                tap, until, window_rect)


def layout_facts(app: Any, item: Any) -> dict[str, Any]:
    """What a resident would see: does the keyboard cover the list, is a result in view?"""
    from kivy.core.window import Window

    from tests.e2e.scripted import walk
    from kiosk.widgets import KButton
    results = window_rect(item.ids.results_scroll)
    keyboard = window_rect(item.keyboard)
    in_window = (0, 0, Window.width, Window.height)
    keys = [w for w in walk(item.keyboard) if isinstance(w, KButton)]
    rows = [w for w in item.ids.results.children if isinstance(w, KButton)]
    visible_rows = [w for w in rows if overlap(window_rect(w), results) >= 0.9 * w.width * w.height]
    return {
        "keyboard_over_results": overlap(results, keyboard),
        "results_height": results[3] - results[1],
        "target": app.theme.target,
        "keys_in_window": all(overlap(window_rect(k), in_window) >= 0.99 * k.width * k.height
                              for k in keys),
        "rows": len(rows),
        "visible_rows": len(visible_rows),
    }


def item_modes_script(runner: ScriptRunner, elderly: bool = False) -> Script:
    """Two residents in a row; the first switches 拼音→按部门→拼音 before typing SBK."""
    app = runner.app
    sessions = []
    for session in range(2):
        facts = yield from _item_session(runner, session, elderly)
        sessions.append(facts)
        tap(app.root.ids.header.ids.home_button)
        yield on(app, "home")
    runner.facts["sessions"] = sessions


def _item_session(runner: ScriptRunner, session: int,
                  elderly: bool) -> Generator[Any, None, dict[str, Any]]:
    app = runner.app
    if session == 0:
        yield from to_identify(runner)
    else:
        tap(one(app.root, "办事预约"))
        yield on(app, "identify")
    if elderly and session == 0 and not app.theme.elderly:
        tap(app.root.ids.header.ids.elderly_switch)
        yield until("elderly mode", lambda: app.theme.elderly)
    tap(find_buttons(screen(app, "identify"), "模拟放卡")[session])
    yield from past_face(runner)
    yield on(app, "item")
    item = screen(app, "item")
    # Items, not just any child: while the search runs the list holds its "正在查找…" status.
    yield until("initial results", lambda: item.shown_query == "" and app._busy is None
                and bool(find_buttons(item.ids.results, "")))
    facts: dict[str, Any] = {
        "initial": [w.text.split("\n")[0] for w in find_buttons(item.ids.results, "")][:5]}
    if session == 0:
        tap(item.ids.mode_department)
        # At once, before any answer: the pinyin results must not linger under 按部门.
        facts["rows_right_after_tab"] = len(find_buttons(item.ids.results, "\n"))
        yield until("departments", lambda: len(item.groups.children) > 0)
        tap(item.ids.mode_pinyin)
        yield settle(0.3)
    for letter in "SBK":
        tap(one(item.keyboard, letter))
        yield settle(0.35)  # a resident's pace: each letter is a deliberate tap
    yield until("results for sbk", lambda: item.shown_query == "sbk" and app._busy is None)
    yield settle(0.6)
    runner.screenshot(f"item-session{session + 1}")
    facts.update(layout_facts(app, item))
    first = find_buttons(item.ids.results, "社")
    if not first:
        raise ScriptFailed("no 社 item for SBK")
    tap(first[0])
    yield until("slot screen", lambda: app.sm.current == "slot"
                and not app.sm.transition.is_active)
    facts["elderly"] = app.theme.elderly
    return facts


def quick_taps_script(runner: ScriptRunner) -> Script:
    """Six taps on S in one instant give one S; a deliberate second S a moment later counts."""
    app = runner.app
    yield from to_identify(runner)
    tap(find_buttons(screen(app, "identify"), "模拟放卡")[0])
    yield from past_face(runner)
    yield on(app, "item")
    item = screen(app, "item")
    key = one(item.keyboard, "S")
    yield until("initial results", lambda: item.shown_query == "" and app._busy is None
                and len(find_buttons(item.ids.results, "\n")) > 0)
    for _ in range(6):
        tap(key)
    runner.facts["after_burst"] = item.query
    # The list of every item no longer answers "S": it is not left standing meanwhile.
    runner.facts["rows_right_after_letter"] = len(find_buttons(item.ids.results, "\n"))
    yield settle(0.6)
    tap(key)
    runner.facts["after_deliberate"] = item.query
