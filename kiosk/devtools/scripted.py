"""Drives the real app by simulated touches: the e2e tests, README screenshots and `kiosk soak`."""

from __future__ import annotations

import json
import time
import traceback
from pathlib import Path
from typing import Any
from collections.abc import Callable, Generator, Iterable

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

# A script is a generator that yields predicates; the runner resumes it once one holds.
Script = Generator[Callable[[], bool], None, None]


class ScriptFailed(AssertionError):
    pass


def walk(widget: Widget) -> Iterable[Widget]:
    yield widget
    for child in widget.children:
        yield from walk(child)


def find_buttons(root: Widget, text_contains: str) -> list[Widget]:
    from kiosk.widgets import KButton, Tile
    found = []
    for w in walk(root):
        if isinstance(w, KButton) and text_contains in w.text and not w.disabled:
            found.append(w)
        elif isinstance(w, Tile) and text_contains in w.title:
            found.append(w)
    return found[::-1]  # children are stored last-first; give screen order


def window_rect(widget: Any) -> tuple[float, float, float, float]:
    """(left, bottom, right, top) in window pixels; ScrollView offsets included."""
    x0, y0 = widget.to_window(widget.x, widget.y)
    return x0, y0, x0 + widget.width, y0 + widget.height


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Area shared by two rectangles (0 when they only touch)."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(0.0, w) * max(0.0, h)


def tap(widget: Widget) -> None:
    """Press and release at the widget's centre, through the window like a finger."""
    parent = widget.parent
    # The chain ends at the Window, whose own `parent` points back at itself.
    while parent is not None and parent is not Window:
        if isinstance(parent, ScrollView):
            parent.scroll_to(widget, padding=10, animate=False)
            parent.update_from_scroll()
        parent = parent.parent
    x, y = widget.to_window(*widget.center)
    touch = UnitTestTouch(x, y)
    touch.touch_down()
    touch.touch_up()


#: Platform calls one step of a script may wait on (choosing a day: the slots and their
#: fallbacks), and what is allowed on top for a loaded machine to schedule the app at all.
CALLS_PER_STEP = 3
MARGIN = 15.0


def app_wait_bound(cfg: Any) -> float:
    """The longest the app itself may take to finish one step, from its own configuration:
    platform reads (timeout × tries, a few per step) plus a print job, plus a margin. A step
    that takes longer is a hang, not a slow machine."""
    from services.client import GET_RETRIES
    platform = cfg.platform.timeout * (1 + GET_RETRIES) * CALLS_PER_STEP
    return platform + cfg.devices.printer.timeout + MARGIN


class ScriptRunner:
    """Runs a script on Kivy's clock; records screenshots and the outcome in out_dir."""

    def __init__(self, app: Any, script_factory: Callable[[ScriptRunner], Script],
                 out_dir: Path, step_timeout: float | None = None) -> None:
        self.app = app
        self.out_dir = out_dir
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.step_timeout = step_timeout or app_wait_bound(app.cfg)
        self.shots: list[str] = []
        self.facts: dict[str, Any] = {}
        self.error: str | None = None
        self._script = script_factory(self)
        self._waiting: Callable[[], bool] | None = None
        self._deadline = 0.0
        self._event = Clock.schedule_interval(self._step, 0.05)

    def screenshot(self, name: str) -> None:
        # Window.screenshot appends a counter; keep a stable name by renaming.
        produced = Window.screenshot(name=str(self.out_dir / f"{name}.png"))
        target = self.out_dir / f"{name}.png"
        Path(produced).replace(target)
        self.shots.append(str(target))

    def _step(self, _dt: float) -> None:
        try:
            if self._waiting is not None and not self._waiting():
                if time.monotonic() <= self._deadline:
                    return
                # Raised inside the script, where a long one (kiosk soak) may catch it and
                # go on with the next session; uncaught, it comes straight back here.
                what = getattr(self._waiting, "what", self._waiting)
                self._waiting = self._script.throw(ScriptFailed(f"timed out waiting for: {what}"))
            else:
                self._waiting = next(self._script)
            # A wait may carry its own bound (from the app's limits for that step).
            self._deadline = time.monotonic() + getattr(self._waiting, "timeout",
                                                        self.step_timeout)
        except StopIteration:
            self._finish()
        except Exception:  # report any failure of the script to the test, then stop the app
            self.error = traceback.format_exc()
            self._finish()

    def _finish(self) -> None:
        self._event.cancel()
        (self.out_dir / "result.json").write_text(json.dumps(
            {"error": self.error, "shots": self.shots, "facts": self.facts},
            ensure_ascii=False, indent=2), encoding="utf-8")
        self.app.stop()


def until(what: str, predicate: Callable[[], bool],
          timeout: float | None = None) -> Callable[[], bool]:
    """Wait for `predicate`, at most the runner's step bound or `timeout` seconds when given."""
    predicate.what = what  # type: ignore[attr-defined]  # a label for the timeout message
    if timeout is not None:
        predicate.timeout = timeout  # type: ignore[attr-defined]  # read by ScriptRunner
    return predicate


def settle(seconds: float = 0.4) -> Callable[[], bool]:
    """Let animations and layout finish before a screenshot."""
    end = time.monotonic() + seconds
    return until(f"settle {seconds}s", lambda: time.monotonic() >= end)
