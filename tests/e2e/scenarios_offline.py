"""Scripted session, network cut: a provisional booking, decided later, shown at the next visit."""

from __future__ import annotations

from tests.e2e.scripted import Script, ScriptRunner, find_buttons, settle, tap, until
from tests.e2e.scenario_steps import (on, pick_item, pick_slot, screen, to_identify, type_keys,
                                     wait_file)


def _network(runner: ScriptRunner, action: str, n: int) -> Script:
    """Ask the test to cut or restore the network (marker files), and wait until it did."""
    (runner.out_dir / f"{action}-network-{n}").touch()
    yield wait_file(runner.out_dir / f"network-{action}-done-{n}", f"network {action} {n}")


def _provisional_booking(runner: ScriptRunner, card: int, cut: int) -> Script:
    """A resident books; the network is cut just before they confirm."""
    app = runner.app
    yield from to_identify(runner)
    tap(find_buttons(screen(app, "identify"), "模拟放卡")[card])
    yield from pick_item(runner, "SBK")
    yield from pick_slot(runner)
    yield on(app, "confirm")
    confirm = screen(app, "confirm")
    if confirm.editing_phone:
        yield from type_keys(confirm.ids.keypad, "13800138000")
    yield from _network(runner, "cut", cut)
    tap(confirm.ids.confirm_button)
    yield on(app, "done")
    done = screen(app, "done")
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
    done = screen(app, "done")
    yield from _provisional_booking(runner, card=0, cut=1)
    yield until("offline banner", lambda: app.offline)
    yield settle(0.6)
    runner.screenshot("09-offline-provisional")
    runner.facts.update(provisional_title=done.title, reference_label=done.reference_label,
                        local_reference=done.reference, details=done.details,
                        print_message=done.print_message)
    tap(done.ids.finish_button)  # the resident leaves with the provisional slip
    yield on(app, "attract")
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
    yield on(app, "attract")

    # The first resident's next visit: the outcome is shown once, before anything else.
    yield from to_identify(runner)
    tap(find_buttons(screen(app, "identify"), "模拟放卡")[0])
    yield until("visit notice", lambda: any(
        isinstance(w, ModalView) and "离线预约" in getattr(w, "text", "")
        for w in Window.children))
    yield on(app, "item")  # the notice stays over the first step of the service
    yield settle(0.6)
    runner.screenshot("10-next-visit-notice")
    dialog = next(w for w in Window.children if isinstance(w, ModalView))
    runner.facts["notice"] = dialog.text
    dialog.dismiss()
    from kiosk.tasks.booking import offline_bookings
    runner.facts["unshown_after"] = len(offline_bookings(app.ctx).notices(
        app.session.identity.id_number))
