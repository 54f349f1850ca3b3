"""Scripted sessions through the face check: pass, staff PIN, camera down."""

from __future__ import annotations

from tests.e2e.scripted import Script, ScriptRunner, find_buttons, settle, tap, until
from tests.e2e.scenario_steps import measure_targets, on, one, screen, type_keys


def _face_after_card(runner: ScriptRunner, elderly: bool = False) -> Script:
    app = runner.app
    yield on(app, "attract")
    tap(app.root.ids.sm.get_screen("attract").ids.start_button)
    yield on(app, "home")
    if elderly:
        tap(app.root.ids.header.ids.elderly_switch)
        yield until("elderly mode", lambda: app.theme.elderly)
    tap(one(app.root, "办事预约"))
    yield on(app, "identify")
    tap(find_buttons(screen(app, "identify"), "模拟放卡")[0])
    yield on(app, "face")


def face_pass_script(runner: ScriptRunner, elderly: bool = False) -> Script:
    """Card → face screen (the live preview and the reason) → the resident's face → item."""
    app = runner.app
    yield from _face_after_card(runner, elderly)
    face = screen(app, "face")
    yield until("preview running", lambda: face.preview is not None)
    yield settle(0.8)
    runner.screenshot("12-face-elderly" if elderly else "12-face")
    runner.facts.update(name_shown=face.name_masked, first_message=face.message,
                        attempt_text=face.attempt_text)
    measure_targets(runner, face)
    tap(one(face, "模拟刷脸：本人"))
    yield until("asked to turn", lambda: face.step == "liveness")
    runner.facts["liveness_message"] = face.message
    yield settle(0.3)
    runner.screenshot("13-face-liveness" + ("-elderly" if elderly else ""))
    yield on(app, "item")
    runner.facts.update(verified_by=app.session.verified_by,
                        kind=app.session.identity.kind,
                        face_wiped=face.preview is None and face.face is None)


def face_staff_script(runner: ScriptRunner, elderly: bool = False) -> Script:
    """Card → a stranger's face fails every try → the staff PIN: wrong once, then right."""
    from kivy.core.window import Window

    from kiosk.devtools.demo import DEMO_STAFF_PIN
    from kiosk.screens.identify.face import StaffPinDialog
    app = runner.app
    yield from _face_after_card(runner, elderly)
    face = screen(app, "face")
    # The demo's panel tells whoever tries it the staff PIN (the config holds only its hash).
    runner.facts["demo_pin_hint"] = any(DEMO_STAFF_PIN in getattr(w, "text", "")
                                        for w in face.ids.demo_faces.children)
    messages, counters = [], []
    for attempt in range(face.face.check.max_attempts):
        if attempt:
            tap(face.ids.retry_button)
            yield until("looking again", lambda: face.step in ("looking", "adjust"))
        tap(one(face, "模拟刷脸：他人"))
        yield until(f"try {attempt + 1} ends", lambda: face.step in ("failed", "too-many"))
        messages.append(face.message)
        counters.append(face.attempt_text)
        if attempt == 0:
            yield settle(0.5)
            runner.screenshot("14-face-failed")
    runner.facts.update(fail_messages=messages, counters=counters, final_step=face.step,
                        retry_shown=face.can_retry)
    yield settle(0.5)
    runner.screenshot("15-face-too-many")
    tap(face.ids.staff_button)

    def dialog() -> StaffPinDialog | None:
        return next((w for w in Window.children if isinstance(w, StaffPinDialog)), None)
    yield until("PIN dialog", lambda: dialog() is not None)
    pad = dialog()
    yield from type_keys(pad.ids.keypad, "111111")
    tap(pad.ids.ok_button)
    yield until("wrong PIN message", lambda: bool(pad.message))
    yield settle(0.5)
    runner.screenshot("16-staff-pin-wrong" + ("-elderly" if elderly else ""))
    runner.facts["wrong_pin_message"] = pad.message
    yield from type_keys(pad.ids.keypad, DEMO_STAFF_PIN)
    tap(pad.ids.ok_button)
    yield on(app, "item")
    runner.facts.update(verified_by=app.session.verified_by,
                        dialog_closed=dialog() is None)
    tap(app.root.ids.header.ids.home_button)
    yield until("session ended", lambda: app.session.identity is None)
    runner.facts["wiped"] = (face.face is None and face.preview is None
                             and not face.name_masked and app.session.verified_by is None)


def face_camera_down_script(runner: ScriptRunner) -> Script:
    """Card → the camera is missing: staff assistance is offered at once, the PIN lets the
    resident through."""
    from kivy.core.window import Window

    from kiosk.devtools.demo import DEMO_STAFF_PIN
    from kiosk.screens.identify.face import StaffPinDialog
    app = runner.app
    yield from _face_after_card(runner)
    face = screen(app, "face")
    yield until("camera down shown", lambda: face.step == "unavailable")
    yield settle(0.5)
    runner.screenshot("17-face-camera-down")
    runner.facts.update(message=face.message, retry_shown=face.can_retry,
                        staff_primary=face.ids.staff_button.kind == "primary")
    tap(face.ids.staff_button)
    yield until("PIN dialog", lambda: any(isinstance(w, StaffPinDialog)
                                          for w in Window.children))
    pad = next(w for w in Window.children if isinstance(w, StaffPinDialog))
    yield from type_keys(pad.ids.keypad, DEMO_STAFF_PIN)
    tap(pad.ids.ok_button)
    yield on(app, "item")
    runner.facts["verified_by"] = app.session.verified_by
