"""Cold start (issue 11.3): the first frame of the attract screen is drawn before any other
screen is built and before the heavy libraries are imported; the rest follows in idle time
and the platform side is connected before a touch can arrive. Speed itself is measured by
bench/bench_start.py, never asserted here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.test_app_e2e import write_config

ROOT = Path(__file__).resolve().parents[2]
#: Libraries the first frame of the attract screen does not need (what they cost at start
#: is in README's performance section). Pydantic and the platform's schemas built with it: a
#: good config file is read without them (kiosk/config_keys.py), and the platform's models
#: come with the platform side after the first frame.
HEAVY = ("numpy", "cv2", "reportlab", "pypinyin", "requests", "sqlite_utils", "cryptography",
         "tenacity", "pydantic", "services.schemas")

PROBE = """
import json, os, sys
from kiosk.boot import build_app
from kiosk.config import load_config
from kivy.clock import Clock
from kivy.core.window import Window

HEAVY = {heavy!r}
app = build_app(load_config(sys.argv[1]))
seen = {{}}

def done(*_a):
    print(json.dumps(seen), flush=True)
    os._exit(0)

def after_idle(_dt, waited=[0]):
    waited[0] += 1
    unbuilt = getattr(app.sm, "unbuilt", [])  # a manager that builds all at once has none
    if unbuilt and waited[0] < 600:
        Clock.schedule_once(after_idle, 0.05)
        return
    seen["idle"] = {{"unbuilt": unbuilt, "screens": sorted(app.sm.screen_names),
                    "connected": app.ctx.client is not None and app.ctx.writes is not None}}
    done()

def first_flip(*_a):
    if "first" in seen or app.sm is None or app.sm.current != "attract":
        return
    seen["first"] = {{"built": sorted(app.sm.screen_names),
                     "heavy": sorted(m for m in HEAVY if m in sys.modules)}}
    Clock.schedule_once(after_idle, 0)

app.bind(on_start=lambda *_a: Window.bind(on_flip=first_flip))
app.run()
"""


@pytest.mark.kivy
def test_the_attract_screen_is_drawn_first_and_the_rest_follows(tmp_path: Path,
                                                                shared_platform: Any) -> None:
    cfg = tmp_path / "kiosk.toml"
    write_config(cfg, shared_platform, tmp_path / "slips",
                 extra='[devices.camera]\nbackend = "simulated"\n')
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(KIVY_HOME=str(tmp_path / "kivy-home"), KIVY_NO_ARGS="1",
               KIVY_NO_CONSOLELOG="1")
    proc = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), str(cfg)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, f"the app did not report (rc={proc.returncode}):\n{proc.stderr[-3000:]}"
    seen = json.loads(lines[-1])
    assert seen["first"] == {"built": ["attract"], "heavy": []}
    from kiosk.tasks import default_registry
    every = sorted(s.name for s in default_registry().screens())
    assert seen["idle"] == {"unbuilt": [], "screens": every, "connected": True}
