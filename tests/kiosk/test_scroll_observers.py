"""The app's scroll views keep one scroll-bar observer however often they lay out (issue 11.1:
Kivy 2.3 adds one per layout pass, and a booking session added ~240 that never went)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget
from kiosk.widgets import KScrollView
counts = {}
for cls in (ScrollView, KScrollView):
    view = cls(size=(100, 100))
    view.add_widget(Widget(size_hint_y=None, height=400))
    for n in range(100):  # layout passes and scrolls, as a list is filled and moved
        view.scroll_y = n / 100
        view.update_from_scroll()
    counts[cls.__name__] = len(view.get_property_observers("bar_color"))
print(json.dumps(counts))
"""


def test_the_scroll_bar_keeps_one_observer(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(KIVY_HOME=str(tmp_path / "kivy-home"), KIVY_NO_ARGS="1",
               KIVY_NO_CONSOLELOG="1")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout
    counts = json.loads(out.strip().splitlines()[-1])
    # Kivy's own piles them up (the reason for KScrollView); if it stops, KScrollView can go.
    assert counts["ScrollView"] > 50
    assert counts["KScrollView"] <= 1


def test_no_screen_uses_kivys_scrollview_directly() -> None:
    for kv in (ROOT / "kiosk").rglob("*.kv"):
        for number, line in enumerate(kv.read_text(encoding="utf-8").splitlines(), 1):
            words = line.replace("@", " ").replace(":", " ").replace(">", " ").split()
            assert "ScrollView" not in words, f"{kv}:{number}: use KScrollView"
