"""Scripted session of a service added from outside kiosk/: its tile, its screen, its write."""

from __future__ import annotations

from tests.e2e.scenario_steps import on, one
from tests.e2e.scripted import Script, ScriptRunner, settle, tap, until


def extra_task_script(runner: ScriptRunner) -> Script:
    """Home → the new tile → its screen → its button: the write is queued and delivered."""
    app = runner.app
    root = app.root
    yield on(app, "attract")
    tap(root.ids.sm.get_screen("attract").ids.start_button)
    yield on(app, "home")
    yield settle()
    runner.screenshot("01-home")
    tap(one(root, "留言板"))
    yield on(app, "note")
    note = root.ids.sm.get_screen("note")
    yield settle()
    runner.screenshot("02-note")
    tap(one(note, "写一条留言"))
    yield until("the note delivered", lambda: note.status == "delivered")
    yield settle()
    runner.screenshot("03-delivered")
    runner.facts["task"] = app.session.task
    runner.facts["status"] = note.status
    item = app.outbox.get(app.session.flow.item_id)
    runner.facts["outbox"] = [item.kind, item.state]
