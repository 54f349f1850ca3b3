"""The `kiosk` command; one module per subcommand, one table of exit codes for all of them
(`exit_codes.ExitCode`), one config file for all of them (`config_file`: `--config FILE`, else
`$KIOSK_CONFIG`, else `/etc/kiosk/kiosk.toml`).

  run.py       kiosk demo | run | check-config
  devices.py   kiosk devices probe | print
  card.py      kiosk card read | readers
  camera.py    kiosk camera snap
  outbox.py    kiosk outbox status | sync
  catalogue.py kiosk catalogue sync | search
  simulate.py  kiosk simulate
  soak.py      kiosk soak
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback

from .exit_codes import ExitCode


def build_parser() -> argparse.ArgumentParser:
    from . import camera, card, catalogue, devices, outbox, run, simulate, soak
    parser = argparse.ArgumentParser(
        prog="kiosk", description="政务服务自助终端",
        epilog="exit codes: the same table for every subcommand (README.md, Exit codes; "
               "kiosk/cli/exit_codes.py); each subcommand's --help lists its own",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (run, devices, card, camera, outbox, catalogue, simulate, soak):
        module.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # a usage error exits 2, ExitCode.USAGE
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        return int(args.handler(args))
    except Exception:  # a bug, not an answer: keep 1 (NOT_OK) meaning "the answer is no"
        traceback.print_exc()
        print(f"kiosk {args.command}: unexpected error (a bug; exit {int(ExitCode.INTERNAL)})",
              file=sys.stderr)
        return ExitCode.INTERNAL
