"""The window boot asks Kivy for: the demo's half size is exactly half the terminal's screen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
from pathlib import Path
from kiosk.boot import configure_kivy
from kiosk.config import parse_config
from kiosk.devtools.demo import demo_config
cfg = parse_config(demo_config("http://127.0.0.1:9", Path(sys.argv[1]), orientation=sys.argv[2],
                               scale=float(sys.argv[3])), source="probe")
configure_kivy(cfg)
from kivy.config import Config
print(json.dumps([Config.getint("graphics", "width"), Config.getint("graphics", "height")]))
"""


@pytest.mark.parametrize(("orientation", "scale", "size"), [
    ("portrait", 0.5, [540, 960]), ("landscape", 0.5, [960, 540]),
    ("portrait", 1.0, [1080, 1920]), ("portrait", 0.75, [808, 1440])])
def test_window_size(tmp_path: Path, orientation: str, scale: float, size: list[int]) -> None:
    out = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path), orientation, str(scale)],
                         cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
                         env={"KIVY_HOME": str(tmp_path / "kivy"), "KIVY_NO_ARGS": "1",
                              "PATH": "/usr/bin:/bin"})
    assert json.loads(out.stdout.strip().splitlines()[-1]) == size
