"""`python -m kiosk.scripted_main`: run one scripted session on the real app, offscreen too."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from .config import load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", required=True, help="folder for screenshots and result.json")
    parser.add_argument("--script", choices=("booking", "idle", "offline", "reader_down", "app_qr", "face_pass", "face_staff",
                                                 "face_camera_down"), default="booking")
    parser.add_argument("--resident", type=int, default=0)
    parser.add_argument("--elderly", action="store_true")
    args = parser.parse_args(argv)

    from .boot import build_app
    app = build_app(load_config(args.config))
    from . import scenarios
    from .scripted import ScriptRunner

    if args.script == "booking":
        script = functools.partial(scenarios.booking_script, resident=args.resident,
                                   elderly=args.elderly)
    elif args.script == "idle":
        script = scenarios.idle_script
    elif args.script == "offline":
        script = scenarios.offline_script
    elif args.script == "app_qr":
        script = scenarios.app_qr_script
    elif args.script == "face_pass":
        script = functools.partial(scenarios.face_pass_script, elderly=args.elderly)
    elif args.script == "face_staff":
        script = functools.partial(scenarios.face_staff_script, elderly=args.elderly)
    elif args.script == "face_camera_down":
        script = scenarios.face_camera_down_script
    else:
        script = scenarios.reader_down_script

    def start(*_a: object) -> None:
        # Kivy's clock holds callbacks weakly: the app keeps the runner alive.
        app.script_runner = ScriptRunner(app, script, Path(args.out))  # type: ignore[attr-defined]

    app.bind(on_start=start)  # type: ignore[attr-defined]
    app.run()  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
