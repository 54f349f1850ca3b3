"""The same resident books the same item for the same day twice: the second is refused plainly."""

from __future__ import annotations

from typing import Any

from tests.e2e.scenario_steps import (on, pick_item, pick_slot, screen, to_identify, type_keys)
from tests.e2e.scripted import Script, ScriptRunner, find_buttons, settle, tap, until


def _dialog() -> Any:
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView
    return next((w for w in Window.children if isinstance(w, ModalView)
                 and getattr(w, "text", "")), None)


def _book(runner: ScriptRunner) -> Script:
    app = runner.app
    tap(find_buttons(screen(app, "identify"), "模拟放卡")[0])
    yield from pick_item(runner, "SBK")
    yield from pick_slot(runner)
    yield on(app, "confirm")
    confirm = screen(app, "confirm")
    if confirm.editing_phone:
        yield from type_keys(confirm.ids.keypad, "13800138000")
    tap(confirm.ids.confirm_button)


def double_booking_script(runner: ScriptRunner) -> Script:
    app = runner.app
    yield from to_identify(runner)
    yield from _book(runner)
    yield on(app, "done")
    done = screen(app, "done")
    yield until("reference shown", lambda: bool(done.reference) and app._busy is None)
    runner.facts["first_reference"] = done.reference
    tap(done.ids.finish_button)
    yield on(app, "attract")
    yield from to_identify(runner)
    yield from _book(runner)  # the same first item, the same first free day
    yield until("refusal", lambda: _dialog() is not None)
    yield settle(0.6)
    runner.screenshot("double-booking")
    runner.facts["message"] = _dialog().text
    runner.facts["screen"] = app.sm.current
