"""Scripted identify sessions: an expired card, the no-card help, and the screens' fit."""

from __future__ import annotations

from typing import Any

from tests.e2e.layout_checks import clipped, top_inside
from tests.e2e.scenario_steps import measure_targets, on, one, screen, type_keys
from tests.e2e.scripted import Script, ScriptRunner, find_buttons, settle, tap, until
from tests.e2e.scripted import walk


def _dialog() -> Any:
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView
    return next((w for w in Window.children if isinstance(w, ModalView)), None)


def _labels(root: Any) -> list[str]:
    from kivy.uix.label import Label
    return [w.text for w in walk(root) if isinstance(w, Label) and w.text and w.opacity > 0]


def _to_identify(runner: ScriptRunner, elderly: bool) -> Script:
    app = runner.app
    yield on(app, "attract")
    tap(app.root.ids.sm.get_screen("attract").ids.start_button)
    yield on(app, "home")
    if elderly:
        tap(app.root.ids.header.ids.elderly_switch)
        yield until("elderly mode", lambda: app.theme.elderly)
    tap(one(app.root, "办事预约"))
    yield on(app, "identify")


def _help(runner: ScriptRunner, identify: Any, shot: str) -> Script:
    """没带证件或读不出？ → the dialog with what can be done here; its words, then closed."""
    tap(identify.ids.staff_button)
    yield until("help dialog", lambda: _dialog() is not None
                and "12345" in getattr(_dialog(), "text", ""))
    yield settle(0.5)
    runner.screenshot(shot)
    dialog = _dialog()
    runner.facts["help_text"] = dialog.text
    runner.facts["help_clipped"] = clipped(dialog, in_window=True)
    dialog.dismiss()
    yield until("help closed", lambda: _dialog() is None)


def identify_expired_script(runner: ScriptRunner) -> Script:
    """陈思雨's card ended on 2026-07-09: refused on the identify screen, where she stays."""
    from kiosk.flows.identify.flow import RETRY_AFTER
    app = runner.app
    yield from _to_identify(runner, elderly=False)
    identify = screen(app, "identify")
    runner.facts["labels_before"] = _labels(identify)
    tap(one(identify, "模拟放卡：陈*雨"))
    yield until("refusal shown", lambda: "有效期" in identify.status_text)
    runner.facts["message"] = identify.status_text
    # The flow reads again after its own pause; she is still here, still not identified.
    yield settle(RETRY_AFTER["expired"] * 2)
    runner.screenshot("20-identify-expired")
    runner.facts.update(still_identify=app.sm.current == "identify",
                        identity=repr(app.session.identity),
                        message_after=identify.status_text,
                        clipped=clipped(identify),
                        labels=_labels(identify))
    yield from _help(runner, identify, "21-identify-help")


def identify_layout_script(runner: ScriptRunner, elderly: bool = False) -> Script:
    """The identify screen, its help, the face screen and the staff keypad: screenshots of
    each and every label that would be cut, in this run's orientation and mode."""
    from kiosk.screens.identify.face import StaffPinDialog
    app = runner.app
    tag = app.cfg.ui.orientation + ("-elderly" if elderly else "")
    yield from _to_identify(runner, elderly)
    identify = screen(app, "identify")
    yield settle(0.6)
    runner.screenshot(f"30-identify-{tag}")
    runner.facts.update(identify_clipped=clipped(identify),
                        identify_heading=top_inside(identify.ids.heading, identify),
                        identify_labels=_labels(identify),
                        ways=list(identify.ways))
    yield from _help(runner, identify, f"31-identify-help-{tag}")
    tap(find_buttons(identify, "模拟放卡")[0])
    yield on(app, "face")
    face = screen(app, "face")
    yield until("preview running", lambda: face.preview is not None)
    yield settle(0.8)
    runner.screenshot(f"32-face-{tag}")
    measure_targets(runner, face)
    runner.facts.update(face_clipped=clipped(face),
                        face_heading=top_inside(face.ids.heading, face))
    tap(face.ids.staff_button)
    yield until("PIN dialog", lambda: isinstance(_dialog(), StaffPinDialog))
    pad = _dialog()
    # A wrong PIN first: the dialog at its tallest, with the message above the keypad.
    yield from type_keys(pad.ids.keypad, "1111")
    tap(pad.ids.ok_button)
    yield until("wrong PIN message", lambda: bool(pad.message))
    yield settle(0.5)
    runner.screenshot(f"33-staff-pin-{tag}")
    runner.facts["pin_clipped"] = clipped(pad, in_window=True)
    tap(pad.ids.cancel_button)
    yield until("PIN dialog closed", lambda: _dialog() is None)
