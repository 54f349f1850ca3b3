"""`python -m kiosk.scripted_main`: run one scripted session on the real app, offscreen too."""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

from kiosk.config import load_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--out", required=True, help="folder for screenshots and result.json")
    parser.add_argument("--script", default="booking", choices=(
        "booking", "idle", "offline", "reader_down", "app_qr", "face_pass", "face_staff",
        "face_camera_down", "extra_task", "item_modes", "quick_taps", "double_booking",
        "identify_expired", "identify_layout", "face_presses"))
    parser.add_argument("--resident", type=int, default=0)
    parser.add_argument("--elderly", action="store_true")
    parser.add_argument("--presses", default="s", help="face_presses: s = 本人, o = 他人")
    parser.add_argument("--extra-task", help="a Python file whose TASK joins the registry "
                                             "(tests/kiosk/test_new_service.py)")
    args = parser.parse_args(argv)

    from kiosk.boot import build_app
    from kiosk.devtools.dev_panel import mount
    registry = None
    if args.extra_task:
        from kiosk.tasks import default_registry
        registry = default_registry()
        registry.register(_load_task(Path(args.extra_task)))
    from kiosk.devtools.demo import DEMO_STAFF_PIN
    app = build_app(load_config(args.config), registry=registry,
                    on_built=(functools.partial(mount, staff_pin=DEMO_STAFF_PIN),))
    from tests.e2e import (scenarios, scenarios_double, scenarios_extension, scenarios_face,
                           scenarios_face_demo, scenarios_identify, scenarios_item,
                           scenarios_offline)
    from tests.e2e.scripted import ScriptRunner

    scripts = {
        "booking": functools.partial(scenarios.booking_script, resident=args.resident,
                                     elderly=args.elderly),
        "idle": scenarios.idle_script,
        "reader_down": scenarios.reader_down_script,
        "app_qr": scenarios.app_qr_script,
        "offline": scenarios_offline.offline_script,
        "face_pass": functools.partial(scenarios_face.face_pass_script, elderly=args.elderly),
        "face_staff": functools.partial(scenarios_face.face_staff_script, elderly=args.elderly),
        "face_camera_down": scenarios_face.face_camera_down_script,
        "extra_task": scenarios_extension.extra_task_script,
        "item_modes": functools.partial(scenarios_item.item_modes_script, elderly=args.elderly),
        "quick_taps": scenarios_item.quick_taps_script,
        "double_booking": scenarios_double.double_booking_script,
        "identify_expired": scenarios_identify.identify_expired_script,
        "identify_layout": functools.partial(scenarios_identify.identify_layout_script,
                                             elderly=args.elderly),
        "face_presses": functools.partial(scenarios_face_demo.face_presses_script,
                                          presses=args.presses),
    }
    script = scripts[args.script]

    def start(*_a: object) -> None:
        # Kivy's clock holds callbacks weakly: the app keeps the runner alive.
        app.script_runner = ScriptRunner(app, script, Path(args.out))  # type: ignore[attr-defined]  # kept alive

    app.bind(on_start=start)
    app.run()
    return 0


def _load_task(path: Path) -> object:
    """Import a task's module from a file, under its own name (its screens name it so)."""
    import importlib.util
    sys.path.insert(0, str(path.parent))  # its screens' modules sit beside it
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module.TASK


if __name__ == "__main__":
    sys.exit(main())
