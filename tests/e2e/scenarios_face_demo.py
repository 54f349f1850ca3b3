"""Scripted presses of the demo's 模拟刷脸 buttons, each one try, counted as the screen ends it."""

from __future__ import annotations

import time
from typing import Any

from kiosk.flows.identify.face_check import READ_TIMEOUT
from kiosk.texts import text
from tests.e2e.scripted import Script, ScriptRunner, find_buttons, tap, until
from tests.e2e.scenario_steps import on, one, screen

#: The letters of a press pattern: s = the resident (本人), o = someone else (他人).
BUTTONS = {"s": "dev.face_self", "o": "dev.face_stranger"}
ENDED = ("passed", "failed", "too-many", "unavailable")


def _card_to_face(runner: ScriptRunner) -> Script:
    """From wherever the last try left the app, a new session up to the face screen."""
    app = runner.app
    if app.sm.current not in ("attract", "home"):
        tap(app.root.ids.header.ids.home_button)
        yield until("session ended", lambda: app.session.identity is None
                    and app.sm.current in ("attract", "home")
                    and not app.sm.transition.is_active)
    if app.sm.current == "attract":
        tap(screen(app, "attract").ids.start_button)
        yield on(app, "home")
    tap(one(app.root, "办事预约"))
    yield on(app, "identify")
    tap(find_buttons(screen(app, "identify"), "模拟放卡")[0])
    yield on(app, "face")


def face_presses_script(runner: ScriptRunner, presses: str = "s") -> Script:
    """One try per letter of `presses`: a card read before the first and after a try that ends
    the check (passed, too many), 再试一次 after a failed one. Pressed as soon as the preview
    runs, as a resident of the demo would; each try's end is what the screen shows then."""
    app = runner.app
    camera, face = app.devices.controls["camera"], screen(app, "face")
    tries: list[dict[str, Any]] = []
    runner.facts["tries"] = tries
    new_card = True
    for who in presses:
        if new_card:
            yield from _card_to_face(runner)
        check = face.face.check
        yield until("preview running", lambda: face.preview is not None)
        # The check's own limits: its frame budget, each frame within the camera read timeout,
        # then one verification (the runner's bound covers the platform call).
        bound = check.frame_budget * READ_TIMEOUT + runner.step_timeout
        start = time.monotonic()
        tap(one(face, text(BUTTONS[who])))  # returns once the demo's clip is queued
        before = camera.frames_read
        yield until("the try ends", lambda: face.step in ENDED, timeout=bound)
        tries.append({"who": who, "step": face.step, "counter": face.attempt_text,
                      "message": face.message, "frames": camera.frames_read - before,
                      "budget": check.frame_budget,
                      "seconds": round(time.monotonic() - start, 2)})
        new_card = not face.can_retry
        if face.step == "passed":
            yield on(app, "item")
        elif face.can_retry:
            tap(face.ids.retry_button)
            yield until("looking again", lambda: face.step not in ENDED)
