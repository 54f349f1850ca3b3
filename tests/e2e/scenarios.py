"""Scripted resident sessions on the real app (tests, README screenshots)."""

from __future__ import annotations

import time

from tests.e2e.scripted import Script, ScriptFailed, ScriptRunner, find_buttons, settle, tap, until
from tests.e2e.scenario_steps import (home_fits, on, one, past_face, pick_item, pick_slot, screen,
                                     to_identify, type_keys)



def booking_script(runner: ScriptRunner, resident: int = 0, letters: str = "SBK",
                   elderly: bool = False) -> Script:
    """Attract → home → identify → item → slot → confirm → done → attract, with screenshots."""
    app = runner.app
    root = app.root
    yield on(app, "attract")
    yield settle(0.6)
    runner.screenshot("01-attract")
    attract = screen(app, "attract")
    runner.facts["attract_texts"] = [attract.services_line, *attract.notices]
    tap(root.ids.sm.get_screen("attract").ids.start_button)

    yield on(app, "home")
    if elderly:
        tap(root.ids.header.ids.elderly_switch)
        yield until("elderly mode", lambda: app.theme.elderly)
    yield settle()
    runner.screenshot("02-home")
    runner.facts.update(home_fits(app))
    tap(one(root, "办事预约"))

    yield on(app, "identify")
    yield settle()
    runner.screenshot("03-identify")
    identify = screen(app, "identify")
    cards = find_buttons(identify, "模拟放卡")
    if len(cards) <= resident:
        raise ScriptFailed("demo card buttons missing on the identify screen")
    tap(cards[resident])

    yield from pick_item(runner, letters, shots=True)
    yield from pick_slot(runner, shots=True)

    yield on(app, "confirm")
    confirm = screen(app, "confirm")
    if not confirm.editing_phone:
        tap(one(confirm, "修改"))  # the card gave a phone: type one anyway, to try the keypad
        yield settle(0.2)
    if confirm.editing_phone:
        for _ in range(6):  # a shaky finger on one digit
            tap(one(confirm.ids.keypad, "1"))
        runner.facts["phone_after_burst"] = app.session.flow.state.phone
        yield settle(0.4)
        tap(one(confirm.ids.keypad, "清空"))
        yield from type_keys(confirm.ids.keypad, "13800138000")
    yield settle()
    runner.screenshot("06-confirm")
    runner.facts["confirm_summary"] = confirm.summary
    tap(confirm.ids.confirm_button)
    # The booking is committed as the button is tapped: no 取消 that would only hide it.
    busy = app._busy
    runner.facts["confirm_cancel_offered"] = (busy is not None
                                              and not busy.ids.cancel_button.disabled)

    yield on(app, "done")
    done = screen(app, "done")
    yield until("reference shown", lambda: bool(done.reference))
    yield settle()
    runner.screenshot("07-done")
    runner.facts.update(reference=done.reference, printed=done.printed,
                        print_message=done.print_message)
    tap(done.ids.finish_button)

    yield on(app, "attract")
    runner.facts["wiped"] = (app.session.identity is None and app.session.flow is None
                             and not done.reference and not confirm.summary)


def idle_script(runner: ScriptRunner) -> Script:
    """Identify, then stay idle: the warning counts down, 继续办理 extends, then reset wipes."""
    app = runner.app
    yield from to_identify(runner)
    tap(find_buttons(screen(app, "identify"), "模拟放卡")[0])
    yield from past_face(runner)
    yield on(app, "item")
    runner.facts["identified"] = app.session.identity is not None
    # Pretend the resident walked away long enough for the warning.
    idle, _warning = app.session._timeouts.scaled(app.session.elderly)
    app.session.touch(time.monotonic() - idle - 1)
    yield until("idle warning", lambda: app._idle_warning is not None)
    yield settle(1.2)
    runner.screenshot("08-idle-warning")
    runner.facts["warning_seconds"] = app._idle_warning.seconds
    tap(app._idle_warning.ids.extend_button)
    yield until("warning dismissed", lambda: app._idle_warning is None)
    runner.facts["extended_still_identified"] = app.session.identity is not None
    idle, warning = app.session._timeouts.scaled(app.session.elderly)
    app.session.touch(time.monotonic() - idle - warning - 1)
    yield on(app, "attract")
    runner.facts["wiped"] = app.session.identity is None and app.session.flow is None


def reader_down_script(runner: ScriptRunner) -> Script:
    """The ID-card reader is unplugged: home disables only booking and says why."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView
    app = runner.app
    root = app.root
    yield on(app, "attract")
    tap(root.ids.sm.get_screen("attract").ids.start_button)
    yield on(app, "home")
    home = screen(app, "home")
    yield until("booking disabled", lambda: bool(home._tiles["booking"].unavailable_reason))
    yield settle()
    runner.screenshot("10-reader-down")
    runner.facts.update(home_fits(app))
    runner.facts["booking_reason"] = home._tiles["booking"].unavailable_reason
    tap(home._tiles["booking"])
    yield until("dialog", lambda: any(isinstance(w, ModalView) for w in Window.children))
    dialog = next(w for w in Window.children if isinstance(w, ModalView))
    runner.facts["dialog"] = dialog.text
    runner.facts["still_home"] = app.sm.current == "home"
    dialog.dismiss()
    yield until("dialog closed", lambda: not any(isinstance(w, ModalView) for w in Window.children))
    tap(home._tiles["query"])  # a service not built yet
    yield until("dialog", lambda: any(isinstance(w, ModalView) for w in Window.children))
    runner.facts["coming_dialog"] = next(w for w in Window.children
                                         if isinstance(w, ModalView)).text


def app_qr_script(runner: ScriptRunner) -> Script:
    """Identify with the mobile app's QR code shown to the (simulated) camera."""
    app = runner.app
    yield from to_identify(runner)
    identify = screen(app, "identify")
    yield settle()
    runner.screenshot("11-identify-with-camera")
    tap(find_buttons(identify, "模拟手机扫码")[0])
    yield on(app, "item")
    runner.facts["kind"] = app.session.identity.kind
    runner.facts["greeting"] = screen(app, "item").greeting
