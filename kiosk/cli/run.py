"""`kiosk demo`, `kiosk run` and `kiosk check-config`: start the terminal, or only check its
config."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from kiosk.config import ConfigError

from .config_file import add_config_option, config_path, load
from .exit_codes import ExitCode, describe

EXIT_CODES: dict[str, dict[ExitCode, str]] = {
    "demo": {
        ExitCode.OK: "the app was closed",
        ExitCode.USAGE: "the demo cannot start (font, devices)",
    },
    "run": {
        ExitCode.OK: "the app was closed",
        ExitCode.USAGE: "the config is wrong or the terminal cannot start with it (the message "
                        "names the key, the font or the device)",
    },
    "check-config": {
        ExitCode.OK: "the config file is valid",
        ExitCode.USAGE: "it is missing or wrong (the message names the path or the key)",
    },
}


def add_parsers(sub: Any) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    demo = sub.add_parser("demo", help="sandbox platform + app on simulated devices",
                          epilog=describe(EXIT_CODES["demo"]), formatter_class=fmt)
    demo.add_argument("--orientation", choices=("portrait", "landscape"), default="portrait")
    demo.add_argument("--scale", type=float, default=0.5, help="window scale (1.0 = 1080×1920)")
    demo.add_argument("--printer-queue", help="print to this CUPS queue instead of a folder")
    demo.add_argument("--slips-dir", help="folder for the simulated printer's PDFs")
    demo.set_defaults(handler=demo_main)

    run = sub.add_parser("run", help="run the terminal from its config file",
                         epilog=describe(EXIT_CODES["run"]), formatter_class=fmt)
    add_config_option(run)
    run.set_defaults(handler=run_main)

    check = sub.add_parser("check-config", help="validate the config file and exit",
                           epilog=describe(EXIT_CODES["check-config"]), formatter_class=fmt)
    add_config_option(check)
    check.set_defaults(handler=check_config)


def demo_main(args: argparse.Namespace) -> int:
    from kiosk.devtools.demo import run_demo
    return ExitCode(run_demo(args.orientation, args.scale, args.printer_queue, args.slips_dir))


def check_config(args: argparse.Namespace) -> int:
    try:
        load(args.config)
    except ConfigError as exc:
        print(f"kiosk check-config: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    print(f"{config_path(args.config)[0]}: ok")
    return ExitCode.OK


def run_main(args: argparse.Namespace) -> int:
    try:
        config = load(args.config)
    except ConfigError as exc:
        print(f"kiosk: cannot start: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    from kiosk.boot import run as run_app
    return ExitCode(run_app(config))  # boot says 2 (USAGE) when the terminal cannot start
