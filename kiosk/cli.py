"""The `kiosk` command: `kiosk demo` and `kiosk run --config FILE`."""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk", description="政务服务自助终端")
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="sandbox platform + app on simulated devices")
    demo.add_argument("--orientation", choices=("portrait", "landscape"), default="portrait")
    demo.add_argument("--scale", type=float, default=0.5, help="window scale (1.0 = 1080×1920)")
    demo.add_argument("--printer-queue", help="print to this CUPS queue instead of a folder")
    demo.add_argument("--slips-dir", help="folder for the simulated printer's PDFs")

    run = sub.add_parser("run", help="run the terminal from a config file")
    run.add_argument("--config", required=True, help="TOML file, e.g. /etc/kiosk/kiosk.toml")

    check = sub.add_parser("check-config", help="validate a config file and exit")
    check.add_argument("--config", required=True)

    from . import devices_cli
    devices_cli.add_parsers(sub)

    # Offline-first tools (issue 4) live in their own modules; only their parsers are added here.
    from . import outbox_cli, simulate
    simulate.add_parser(sub)
    outbox_cli.add_parsers(sub)
    from . import card_cli  # `kiosk card read` (issue 3, point 7)
    card_cli.add_parser(sub)
    from . import camera_cli  # `kiosk camera snap` (issue 3, point 7)
    camera_cli.add_parser(sub)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    if args.command in ("devices", "print"):
        return devices_cli.run(args)
    if getattr(args, "handler", None) is not None:
        return int(args.handler(args))

    if args.command == "demo":
        from .devtools.demo import run_demo
        return run_demo(args.orientation, args.scale, args.printer_queue, args.slips_dir)

    from .config import ConfigError, load_config
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"kiosk: cannot start: {exc}", file=sys.stderr)
        return 2
    if args.command == "check-config":
        print(f"{args.config}: ok")
        return 0
    from .boot import run as run_app
    return run_app(config)


if __name__ == "__main__":
    sys.exit(main())
