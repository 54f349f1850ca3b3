"""The sessions of `kiosk soak`: a resident per session through the real app's screens, by
touches (the e2e tests' driver), on simulated devices driven through their control handles."""

from __future__ import annotations

import threading
import time
from typing import Any

from devices.idcard.base import IdentityDocument

from .soak_plan import Plan
from .scripted import Script, ScriptFailed, ScriptRunner, settle, tap, until
from .steps import on, one, pick_item, pick_slot, quiet, screen, type_keys

def session(runner: ScriptRunner, plan: Plan, person: IdentityDocument, person_index: int,
            staff_pin: str) -> Script:
    """One resident from the attract screen back to it: booked and printed, or left."""
    app = runner.app
    yield on(app, "attract")
    tap(screen(app, "attract").ids.start_button)
    yield on(app, "home")
    if plan.elderly:
        tap(app.root.ids.header.ids.elderly_switch)
        yield until("elderly mode", lambda: app.theme.elderly)
    tap(one(app.root, "办事预约"))
    yield on(app, "identify")
    yield from _identify(runner, plan, person, person_index, staff_pin)
    if plan.end == "home":
        yield on(app, "item")
        tap(app.root.ids.header.ids.home_button)
        yield until("session ended", lambda: app.session.identity is None)
        # Then leaves the home screen: the idle reset brings the attract screen back (in
        # 长辈模式 its wait outlasted the next session's first step, which failed).
        yield from _walk_away(runner)
        return
    yield from _book(runner, plan)


def _identify(runner: ScriptRunner, plan: Plan, person: IdentityDocument, person_index: int,
              staff_pin: str) -> Script:
    app = runner.app
    controls = app.devices.controls
    if plan.way == "app_qr":
        from .app_code import show_app_login_code
        platform = app.cfg.platform
        # The phone asks the platform for a code: off the main thread, as the panel does.
        threading.Thread(target=show_app_login_code, daemon=True, name="soak-app-code",
                         args=(platform.url, platform.token, controls["camera"], person)).start()
        yield on(app, "item")
        return
    controls["idcard"].present(person_index)
    yield until("item or face screen", lambda: app.sm.current in ("item", "face")
                and not app.sm.transition.is_active)
    if app.sm.current == "face":
        yield from (_staff_pin(runner, staff_pin) if plan.way == "staff_pin" else _face(runner))
    controls["idcard"].remove()


def _face(runner: ScriptRunner) -> Script:
    """The resident's own face in front of the simulated camera, as the screen asks."""
    from .faces import show_face
    app = runner.app
    face = screen(app, "face")
    yield until("face check running",
                lambda: face.face is not None and face.face.check is not None)
    check = face.face.check
    if not show_face(app.devices.controls["camera"], check.challenge, False, check.frame_budget):
        raise ScriptFailed("no face photos: scikit-image is not installed")
    yield on(app, "item")


def _staff_pin(runner: ScriptRunner, pin: str) -> Script:
    """不刷脸，请工作人员核验: the staff member types the PIN."""
    from kivy.core.window import Window

    from kiosk.screens.identify.face import StaffPinDialog
    app = runner.app
    tap(screen(app, "face").ids.staff_button)

    def dialog() -> Any:
        return next((w for w in Window.children if isinstance(w, StaffPinDialog)), None)
    yield until("PIN dialog", lambda: dialog() is not None)
    pad = dialog()
    yield from type_keys(pad.ids.keypad, pin)
    tap(pad.ids.ok_button)
    yield on(app, "item")


def _book(runner: ScriptRunner, plan: Plan) -> Script:
    app = runner.app
    if plan.end == "idle_item":
        yield on(app, "item")
        yield from _walk_away(runner)
        return
    yield from pick_item(runner, plan.letters, contains="", index=plan.pick)
    if plan.end == "idle_slot":
        yield on(app, "slot")
        yield from _walk_away(runner)
        return
    yield from pick_slot(runner, index=plan.pick)
    yield on(app, "confirm")
    if plan.end == "idle_confirm":
        yield from _walk_away(runner)
        return
    confirm = screen(app, "confirm")
    if plan.type_phone and not confirm.editing_phone:
        tap(one(confirm, "修改"))
        yield settle(0.2)
    if confirm.editing_phone:
        tap(one(confirm.ids.keypad, "清空"))
        yield from type_keys(confirm.ids.keypad, "13800138000")
    tap(confirm.ids.confirm_button)
    yield on(app, "done")
    done = screen(app, "done")
    yield until("reference shown", lambda: bool(done.reference))
    if done.printed is not True:
        raise ScriptFailed(f"slip not printed: {done.print_message}")
    tap(done.ids.finish_button)
    yield on(app, "attract")


def _walk_away(runner: ScriptRunner) -> Script:
    """The resident leaves mid-way: the app's own idle timers warn, count down and reset.

    The last touch is set back rather than waited for (the shortest idle the config allows
    is 10 s + a 20 s countdown); the warning, its countdown and the wipe run as on a terminal.
    """
    app = runner.app
    yield quiet(app, "screen settled")
    idle, warning = app.session._timeouts.scaled(app.session.elderly)
    app.session.touch(time.monotonic() - idle - 1)
    yield until("idle warning", lambda: app._idle_warning is not None)
    app.session.touch(time.monotonic() - idle - warning - 1)
    yield on(app, "attract")
    yield until("session wiped", lambda: app.session.identity is None)

