"""Steps shared by the scripted sessions (e2e tests, screenshots, `kiosk soak`): finding screens
and buttons, walking to a screen, identifying, choosing an item and a slot."""

from __future__ import annotations

from typing import Any

from .scripted import Script, ScriptFailed, ScriptRunner, find_buttons, settle, tap, until


def screen(app: Any, name: str) -> Any:
    return app.sm.get_screen(name)


def on(app: Any, name: str) -> Any:
    return until(f"screen {name}",
                 lambda: app.sm.current == name and not app.sm.transition.is_active)


def quiet(app: Any, what: str) -> Any:
    """No busy overlay or dialog between the finger and the screen."""
    from kivy.core.window import Window
    from kivy.uix.modalview import ModalView
    return until(what, lambda: app._busy is None
                 and not any(isinstance(w, ModalView) for w in Window.children))


def one(root: Any, text: str) -> Any:
    buttons = find_buttons(root, text)
    if not buttons:
        raise ScriptFailed(f"no button with text {text!r}")
    return buttons[0]


def measure_targets(runner: ScriptRunner, screen: Any) -> None:
    """Record the smallest touch target (in dp) and the type scale of the current screen."""
    from kivy.metrics import dp

    from .scripted import walk
    from kiosk.widgets import KButton
    heights = [w.height for w in walk(screen) if isinstance(w, KButton) and w.opacity > 0
               and w.height > 0]
    runner.facts["min_target_dp"] = round(min(heights) / dp(1), 1)
    runner.facts["type_scale"] = round(runner.app.theme.font_m / dp(28), 2)


def to_identify(runner: ScriptRunner) -> Script:
    """Attract → home → 办事预约 → the identify screen."""
    app = runner.app
    yield on(app, "attract")
    tap(app.root.ids.sm.get_screen("attract").ids.start_button)
    yield on(app, "home")
    tap(one(app.root, "办事预约"))
    yield on(app, "identify")


def past_face(runner: ScriptRunner) -> Script:
    """After a card read on a terminal with a camera: the demo shows the resident's own face."""
    app = runner.app
    yield until("item or face screen", lambda: app.sm.current in ("item", "face")
                and not app.sm.transition.is_active)
    if app.sm.current == "face":
        tap(one(screen(app, "face"), "模拟刷脸：本人"))


def pick_item(runner: ScriptRunner, letters: str, shots: bool = False, contains: str = "社",
              index: int = 0) -> Script:
    """Step 1: type pinyin initials, wait for that query's results, take the first result
    naming `contains` (the `index`-th, modulo how many there are)."""
    app = runner.app
    yield from past_face(runner)
    yield on(app, "item")
    item = screen(app, "item")
    yield until("initial results", lambda: len(item.ids.results.children) > 0)
    # At a resident's pace: GJJ's second J within the keys' bounce guard would be dropped.
    yield from type_keys(item.keyboard, letters)
    yield until(f"results for {letters}",
                lambda: item.shown_query == letters.lower() and app._busy is None)
    if shots:
        yield settle(0.6)
        runner.screenshot("04-item")
        measure_targets(runner, item)
    found = find_buttons(item.ids.results, contains)
    if not found:
        raise ScriptFailed(f"no result naming {contains!r} for {letters}")
    first = found[index % len(found)]
    runner.facts["item_text"] = first.text.split("\n")[0]
    tap(first)


def pick_slot(runner: ScriptRunner, shots: bool = False, index: int = 0) -> Script:
    """Step 2: the first hall, the first day from tomorrow with a free slot, its first slot
    (the `index`-th hall and slot, modulo how many there are)."""
    app = runner.app
    yield on(app, "slot")
    slot = screen(app, "slot")
    halls = find_buttons(slot.ids.halls, "")
    tap(halls[index % len(halls)])
    yield until("hall chosen", lambda: app.session.flow.state.hall is not None)
    yield quiet(app, "hall loaded")
    # Tomorrow onwards: today's slots may all be past at the time the test runs.
    for index in range(1, len(find_buttons(slot.ids.days, ""))):
        # The strip is rebuilt after each choice: look the button up afresh.
        day_button = find_buttons(slot.ids.days, "")[index]
        tap(day_button)
        yield until("day chosen", lambda b=day_button: app.session.flow.state.day == b.payload)
        yield quiet(app, "slots loaded")
        if find_buttons(slot.ids.slots, "余"):
            break
    else:
        raise ScriptFailed("no free slot in 14 days")
    if shots:
        yield settle()
        runner.screenshot("05-slot")
    free = find_buttons(slot.ids.slots, "余")
    tap(free[index % len(free)])


def wait_file(path: Any, what: str) -> Any:
    return until(what, lambda: path.exists())


def type_keys(pad: Any, keys: str) -> Script:
    """Tap keys as a resident does: a key pressed again waits out the keypad's bounce guard."""
    import time

    from kiosk.widgets import KEY_REPEAT_GUARD
    pressed: dict[str, float] = {}
    for key in keys:
        since = time.monotonic() - pressed.get(key, -1e9)
        if since < KEY_REPEAT_GUARD + 0.05:
            yield settle(KEY_REPEAT_GUARD + 0.05 - since)
        tap(one(pad, key))
        pressed[key] = time.monotonic()


def home_fits(app: Any) -> dict[str, Any]:
    """Home as the resident sees it: every tile whole on screen, the header title whole."""
    from kivy.metrics import dp

    from .scripted import overlap, window_rect
    home = screen(app, "home")
    view = window_rect(home.ids.tiles.parent)  # the ScrollView: what is on screen
    clipped = [t.title for t in home.ids.tiles.children
               if overlap(window_rect(t), view) < 0.99 * t.width * t.height]
    title = app.root.ids.header.ids.title
    return {"home_tiles_clipped": clipped,
            "header_title_fits": title.texture_size[0] <= title.width + 1,
            "header_title_dp": round(title.font_size / dp(1), 1)}
