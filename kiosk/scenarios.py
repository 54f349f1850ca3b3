"""Scripted resident sessions on the real app (tests, README screenshots)."""

from __future__ import annotations

import time
from typing import Any

from .scripted import Script, ScriptFailed, ScriptRunner, find_buttons, settle, tap, until


def _screen(app: Any, name: str) -> Any:
    return app.sm.get_screen(name)


def _on(app: Any, name: str) -> Any:
    return until(f"screen {name}", lambda: app.sm.current == name and not app.sm.transition.is_active)


def _quiet(app: Any, what: str) -> Any:
    """No busy overlay or dialog between the finger and the screen."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView
    return until(what, lambda: app._busy is None
                 and not any(isinstance(w, ModalView) for w in Window.children))


def _one(root: Any, text: str) -> Any:
    buttons = find_buttons(root, text)
    if not buttons:
        raise ScriptFailed(f"no button with text {text!r}")
    return buttons[0]


def _measure_targets(runner: ScriptRunner, screen: Any) -> None:
    """Record the smallest touch target (in dp) and the type scale of the current screen."""
    from kivy.metrics import dp

    from .scripted import walk
    from .widgets import KButton
    heights = [w.height for w in walk(screen) if isinstance(w, KButton) and w.opacity > 0
               and w.height > 0]
    runner.facts["min_target_dp"] = round(min(heights) / dp(1), 1)
    runner.facts["type_scale"] = round(runner.app.theme.font_m / dp(28), 2)


def _to_identify(runner: ScriptRunner) -> Script:
    """Attract → home → 办事预约 → the identify screen."""
    app = runner.app
    yield _on(app, "attract")
    tap(app.root.ids.sm.get_screen("attract").ids.start_button)
    yield _on(app, "home")
    tap(_one(app.root, "办事预约"))
    yield _on(app, "identify")


def _pick_item(runner: ScriptRunner, letters: str, shots: bool = False) -> Script:
    """Step 1: type pinyin initials, wait for that query's results, take the first 社 item."""
    app = runner.app
    yield from _past_face(runner)
    yield _on(app, "item")
    item = _screen(app, "item")
    yield until("initial results", lambda: len(item.ids.results.children) > 0)
    for letter in letters:
        tap(_one(item.ids.keyboard, letter))
    yield until(f"results for {letters}",
                lambda: item.shown_query == letters.lower() and app._busy is None)
    if shots:
        yield settle(0.6)
        runner.screenshot("04-item")
        _measure_targets(runner, item)
    first = find_buttons(item.ids.results, "社")[0]
    runner.facts["item_text"] = first.text.split("\n")[0]
    tap(first)


def _pick_slot(runner: ScriptRunner, shots: bool = False) -> Script:
    """Step 2: the first hall, the first day from tomorrow with a free slot, its first slot."""
    app = runner.app
    yield _on(app, "slot")
    slot = _screen(app, "slot")
    tap(find_buttons(slot.ids.halls, "")[0])
    yield until("hall chosen", lambda: app.session.flow.state.hall is not None)
    yield _quiet(app, "hall loaded")
    # Tomorrow onwards: today's slots may all be past at the time the test runs.
    for index in range(1, len(find_buttons(slot.ids.days, ""))):
        # The strip is rebuilt after each choice: look the button up afresh.
        day_button = find_buttons(slot.ids.days, "")[index]
        tap(day_button)
        yield until("day chosen", lambda b=day_button: app.session.flow.state.day == b.payload)
        yield _quiet(app, "slots loaded")
        if find_buttons(slot.ids.slots, "余"):
            break
    else:
        raise ScriptFailed("no free slot in 14 days")
    if shots:
        yield settle()
        runner.screenshot("05-slot")
    tap(find_buttons(slot.ids.slots, "余")[0])


def booking_script(runner: ScriptRunner, resident: int = 0, letters: str = "SBK",
                   elderly: bool = False) -> Script:
    """Attract → home → identify → item → slot → confirm → done → attract, with screenshots."""
    app = runner.app
    root = app.root
    yield _on(app, "attract")
    yield settle(0.6)
    runner.screenshot("01-attract")
    tap(root.ids.sm.get_screen("attract").ids.start_button)

    yield _on(app, "home")
    if elderly:
        tap(root.ids.header.ids.elderly_switch)
        yield until("elderly mode", lambda: app.theme.elderly)
    yield settle()
    runner.screenshot("02-home")
    tap(_one(root, "办事预约"))

    yield _on(app, "identify")
    yield settle()
    runner.screenshot("03-identify")
    identify = _screen(app, "identify")
    cards = find_buttons(identify, "模拟放卡")
    if len(cards) <= resident:
        raise ScriptFailed("demo card buttons missing on the identify screen")
    tap(cards[resident])

    yield from _pick_item(runner, letters, shots=True)
    yield from _pick_slot(runner, shots=True)

    yield _on(app, "confirm")
    confirm = _screen(app, "confirm")
    if confirm.editing_phone:
        for digit in "13800138000":
            tap(_one(confirm.ids.keypad, digit))
    yield settle()
    runner.screenshot("06-confirm")
    runner.facts["confirm_summary"] = confirm.summary
    tap(confirm.ids.confirm_button)

    yield _on(app, "done")
    done = _screen(app, "done")
    yield until("reference shown", lambda: bool(done.reference))
    yield settle()
    runner.screenshot("07-done")
    runner.facts.update(reference=done.reference, printed=done.printed,
                        print_message=done.print_message)
    tap(done.ids.finish_button)

    yield _on(app, "attract")
    runner.facts["wiped"] = (app.session.identity is None and app.session.flow is None
                             and not done.reference and not confirm.summary)


def idle_script(runner: ScriptRunner) -> Script:
    """Identify, then stay idle: the warning counts down, 继续办理 extends, then reset wipes."""
    app = runner.app
    yield from _to_identify(runner)
    tap(find_buttons(_screen(app, "identify"), "模拟放卡")[0])
    yield from _past_face(runner)
    yield _on(app, "item")
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
    yield _on(app, "attract")
    runner.facts["wiped"] = app.session.identity is None and app.session.flow is None


def _wait_file(path: Any, what: str) -> Any:
    return until(what, lambda: path.exists())


def _network(runner: ScriptRunner, action: str, n: int) -> Script:
    """Ask the test to cut or restore the network (marker files), and wait until it did."""
    (runner.out_dir / f"{action}-network-{n}").touch()
    yield _wait_file(runner.out_dir / f"network-{action}-done-{n}", f"network {action} {n}")


def _provisional_booking(runner: ScriptRunner, card: int, cut: int) -> Script:
    """A resident books; the network is cut just before they confirm."""
    app = runner.app
    yield from _to_identify(runner)
    tap(find_buttons(_screen(app, "identify"), "模拟放卡")[card])
    yield from _pick_item(runner, "SBK")
    yield from _pick_slot(runner)
    yield _on(app, "confirm")
    confirm = _screen(app, "confirm")
    if confirm.editing_phone:
        for digit in "13800138000":
            tap(_one(confirm.ids.keypad, digit))
    yield from _network(runner, "cut", cut)
    tap(confirm.ids.confirm_button)
    yield _on(app, "done")
    done = _screen(app, "done")
    yield until("provisional reference", lambda: bool(done.reference) and app._busy is None)


def offline_script(runner: ScriptRunner) -> Script:
    """The network is cut just before the resident confirms: the booking is accepted as
    provisional (local reference, provisional slip), the resident leaves; the network comes
    back, the platform decides, and the resident is told at the next visit. A second resident
    waits at the done screen while the network returns and sees the decision there.

    The test on the other side switches the network through marker files in the out folder.
    """
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView
    app = runner.app
    done = _screen(app, "done")
    yield from _provisional_booking(runner, card=0, cut=1)
    yield until("offline banner", lambda: app.offline)
    yield settle(0.6)
    runner.screenshot("09-offline-provisional")
    runner.facts.update(provisional_title=done.title, reference_label=done.reference_label,
                        local_reference=done.reference, details=done.details,
                        print_message=done.print_message)
    tap(done.ids.finish_button)  # the resident leaves with the provisional slip
    yield _on(app, "attract")
    yield from _network(runner, "restore", 1)
    app.sync_worker.wake()
    yield until("delivered", lambda: app.outbox.status().counts.get("pending", 1) == 0
                and app.outbox.status().counts.get("in_flight", 1) == 0)
    yield until("online again", lambda: not app.offline)
    runner.facts["delivered"] = True

    # Another resident, still at the done screen when the network returns.
    yield from _provisional_booking(runner, card=1, cut=2)
    waiting_title = done.title
    yield from _network(runner, "restore", 2)
    app.sync_worker.wake()
    yield until("decided on screen", lambda: done.title != waiting_title)
    yield settle(0.6)
    runner.screenshot("11-decided-while-waiting")
    runner.facts.update(live_title=done.title, live_details=done.details,
                        live_reference=done.reference, live_label=done.reference_label)
    tap(done.ids.reprint_button)  # the confirmed slip replaces the temporary one
    yield until("confirmed slip printed", lambda: app._busy is None and done.printed)
    runner.facts["live_reprint"] = done.print_message
    tap(done.ids.finish_button)
    yield _on(app, "attract")

    # The first resident's next visit: the outcome is shown once, before anything else.
    yield from _to_identify(runner)
    tap(find_buttons(_screen(app, "identify"), "模拟放卡")[0])
    yield until("visit notice", lambda: any(
        isinstance(w, ModalView) and "离线预约" in getattr(w, "text", "")
        for w in Window.children))
    yield _on(app, "item")  # the notice stays over the first step of the service
    yield settle(0.6)
    runner.screenshot("10-next-visit-notice")
    dialog = next(w for w in Window.children if isinstance(w, ModalView))
    runner.facts["notice"] = dialog.text
    dialog.dismiss()
    runner.facts["unshown_after"] = len(app.offline_bookings.notices(
        app.session.identity.id_number))


def reader_down_script(runner: ScriptRunner) -> Script:
    """The ID-card reader is unplugged: home disables only booking and says why."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView
    app = runner.app
    root = app.root
    yield _on(app, "attract")
    tap(root.ids.sm.get_screen("attract").ids.start_button)
    yield _on(app, "home")
    home = _screen(app, "home")
    yield until("booking disabled", lambda: bool(home._tiles["booking"].unavailable_reason))
    yield settle()
    runner.screenshot("10-reader-down")
    runner.facts["booking_reason"] = home._tiles["booking"].unavailable_reason
    tap(home._tiles["booking"])
    yield until("dialog", lambda: any(isinstance(w, ModalView) for w in Window.children))
    dialog = next(w for w in Window.children if isinstance(w, ModalView))
    runner.facts["dialog"] = dialog.text
    runner.facts["still_home"] = app.sm.current == "home"


def app_qr_script(runner: ScriptRunner) -> Script:
    """Identify with the mobile app's QR code shown to the (simulated) camera."""
    app = runner.app
    yield from _to_identify(runner)
    identify = _screen(app, "identify")
    yield settle()
    runner.screenshot("11-identify-with-camera")
    tap(find_buttons(identify, "模拟手机扫码")[0])
    yield _on(app, "item")
    runner.facts["kind"] = app.session.identity.kind
    runner.facts["greeting"] = _screen(app, "item").greeting


def _past_face(runner: ScriptRunner) -> Script:
    """After a card read on a terminal with a camera: the demo shows the resident's own face."""
    app = runner.app
    yield until("item or face screen", lambda: app.sm.current in ("item", "face")
                and not app.sm.transition.is_active)
    if app.sm.current == "face":
        tap(_one(_screen(app, "face"), "模拟刷脸：本人"))


def _face_after_card(runner: ScriptRunner, elderly: bool = False) -> Script:
    app = runner.app
    yield _on(app, "attract")
    tap(app.root.ids.sm.get_screen("attract").ids.start_button)
    yield _on(app, "home")
    if elderly:
        tap(app.root.ids.header.ids.elderly_switch)
        yield until("elderly mode", lambda: app.theme.elderly)
    tap(_one(app.root, "办事预约"))
    yield _on(app, "identify")
    tap(find_buttons(_screen(app, "identify"), "模拟放卡")[0])
    yield _on(app, "face")


def face_pass_script(runner: ScriptRunner, elderly: bool = False) -> Script:
    """Card → face screen (the live preview and the reason) → the resident's face → item."""
    app = runner.app
    yield from _face_after_card(runner, elderly)
    face = _screen(app, "face")
    yield until("preview running", lambda: face.preview is not None)
    yield settle(0.8)
    runner.screenshot("12-face-elderly" if elderly else "12-face")
    runner.facts.update(name_shown=face.name_masked, first_message=face.message,
                        attempt_text=face.attempt_text)
    _measure_targets(runner, face)
    tap(_one(face, "模拟刷脸：本人"))
    yield until("asked to turn", lambda: face.step == "liveness")
    runner.facts["liveness_message"] = face.message
    yield settle(0.3)
    runner.screenshot("13-face-liveness" + ("-elderly" if elderly else ""))
    yield _on(app, "item")
    runner.facts.update(verified_by=app.session.verified_by,
                        kind=app.session.identity.kind,
                        face_wiped=face.preview is None and face._check is None)


def face_staff_script(runner: ScriptRunner, elderly: bool = False) -> Script:
    """Card → a stranger's face fails every try → the staff PIN: wrong once, then right."""
    from kivy.core.window import Window

    from .demo import DEMO_STAFF_PIN
    from .screens.face import StaffPinDialog
    app = runner.app
    yield from _face_after_card(runner, elderly)
    face = _screen(app, "face")
    messages, counters = [], []
    for attempt in range(face._check.max_attempts):
        if attempt:
            tap(face.ids.retry_button)
            yield until("looking again", lambda: face.step in ("looking", "adjust"))
        tap(_one(face, "模拟刷脸：他人"))
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
    for digit in "111111":
        tap(_one(pad.ids.keypad, digit))
    tap(pad.ids.ok_button)
    yield until("wrong PIN message", lambda: bool(pad.message))
    yield settle(0.5)
    runner.screenshot("16-staff-pin-wrong" + ("-elderly" if elderly else ""))
    runner.facts["wrong_pin_message"] = pad.message
    for digit in DEMO_STAFF_PIN:
        tap(_one(pad.ids.keypad, digit))
    tap(pad.ids.ok_button)
    yield _on(app, "item")
    runner.facts.update(verified_by=app.session.verified_by,
                        dialog_closed=dialog() is None)
    tap(app.root.ids.header.ids.home_button)
    yield until("session ended", lambda: app.session.identity is None)
    runner.facts["wiped"] = (face._check is None and face.preview is None
                             and not face.name_masked and app.session.verified_by is None)



def face_camera_down_script(runner: ScriptRunner) -> Script:
    """Card → the camera is missing: staff assistance is offered at once, the PIN lets the
    resident through."""
    from kivy.core.window import Window

    from .demo import DEMO_STAFF_PIN
    from .screens.face import StaffPinDialog
    app = runner.app
    yield from _face_after_card(runner)
    face = _screen(app, "face")
    yield until("camera down shown", lambda: face.step == "unavailable")
    yield settle(0.5)
    runner.screenshot("17-face-camera-down")
    runner.facts.update(message=face.message, retry_shown=face.can_retry,
                        staff_primary=face.ids.staff_button.kind == "primary")
    tap(face.ids.staff_button)
    yield until("PIN dialog", lambda: any(isinstance(w, StaffPinDialog)
                                          for w in Window.children))
    pad = next(w for w in Window.children if isinstance(w, StaffPinDialog))
    for digit in DEMO_STAFF_PIN:
        tap(_one(pad.ids.keypad, digit))
    tap(pad.ids.ok_button)
    yield _on(app, "item")
    runner.facts["verified_by"] = app.session.verified_by
