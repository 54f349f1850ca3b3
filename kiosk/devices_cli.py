"""Field-technician commands: `kiosk devices probe` and `kiosk print FILE`.

Exit codes (also with --json):
  0  everything usable / the job completed
  1  a configured device is not usable (probe)
  2  usage or configuration error
  3  print: timed out waiting for the job
  4  print: printer offline, out of paper or not accepting jobs
  5  print: the job ended without completing (aborted, cancelled, held)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from devices.base import (DeviceError, DeviceOffline, DeviceTimeout, DeviceUnusable, PaperOut,
                          PrintFailed)
from devices.manager import DeviceManager
from devices.registry import make_printer

from .device_set import device_factories

EXIT_OK, EXIT_UNUSABLE, EXIT_USAGE, EXIT_TIMEOUT, EXIT_OFFLINE, EXIT_FAILED = 0, 1, 2, 3, 4, 5


def add_parsers(sub: Any) -> None:
    devices = sub.add_parser("devices", help="device diagnostics")
    dsub = devices.add_subparsers(dest="devices_command", required=True)
    probe = dsub.add_parser("probe", help="status, reason and capabilities of each device")
    probe.add_argument("--config", required=True)
    probe.add_argument("--json", action="store_true")

    prn = sub.add_parser("print", help="print a PDF and wait until CUPS completes it")
    prn.add_argument("file")
    prn.add_argument("--printer", help="CUPS queue (default: from --config)")
    prn.add_argument("--config")
    prn.add_argument("--timeout", type=float, default=120.0)
    prn.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    if args.command == "devices":
        return _probe(args)
    return _print(args)


def _probe(args: argparse.Namespace) -> int:
    from .config import ConfigError, load_config
    try:
        cfg = load_config(args.config)
    except ConfigError as exc:
        print(f"kiosk devices probe: {exc}", file=sys.stderr)
        return EXIT_USAGE
    rows: list[dict[str, Any]] = []
    devices = {}
    factories = device_factories(cfg)
    for name, (backend, factory) in factories.items():
        try:
            devices[name] = factory()
        except DeviceUnusable as exc:
            rows.append({"name": name, "backend": backend, "state": "unusable",
                         "reason": exc.reason, "detail": str(exc), "capabilities": []})
            continue
        try:
            devices[name].open()
        except DeviceError:
            pass  # a device that cannot open reports why through status() below
    rows += [r.as_dict() for r in DeviceManager(devices).report()]
    for device in devices.values():
        try:
            device.close()
        except DeviceError:
            pass  # closing a device that never opened is not news to a technician
    # A card reader without a card on it (no-media) is healthy: it is waiting for one.
    ok = all(r["state"] in ("online", "busy")
             or (r["name"] in ("idcard", "sscard") and r["state"] == "no-media") for r in rows)
    if args.json:
        print(json.dumps({"ok": ok, "devices": rows}, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            reason = f" ({r['reason']})" if r["reason"] else ""
            print(f"{r['name']:<8} {r['backend']:<24} {r['state']}{reason}"
                  f"  {r['detail']}  [{', '.join(r['capabilities'])}]")
    return EXIT_OK if ok else EXIT_UNUSABLE


def _print(args: argparse.Namespace) -> int:
    queue = args.printer
    server = None
    if queue is None and args.config:
        from .config import ConfigError, load_config
        try:
            cfg = load_config(args.config)
        except ConfigError as exc:
            print(f"kiosk print: {exc}", file=sys.stderr)
            return EXIT_USAGE
        queue, server = cfg.devices.printer.queue, cfg.devices.printer.server
    if not queue:
        print("kiosk print: give --printer QUEUE or --config FILE with a cups printer",
              file=sys.stderr)
        return EXIT_USAGE
    path = Path(args.file)
    try:
        pdf = path.read_bytes()
    except OSError as exc:
        print(f"kiosk print: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    if not pdf.startswith(b"%PDF"):
        print(f"kiosk print: {path} is not a PDF", file=sys.stderr)
        return EXIT_USAGE
    code, outcome = EXIT_OK, {"file": str(path), "printer": queue}
    try:
        printer = make_printer("cups", {"queue": queue, "server": server})
        result = printer.print_pdf(pdf, title=path.name, timeout=args.timeout)
        outcome.update(state="completed", job_id=result.job_id)
    except DeviceTimeout as exc:
        code, outcome = EXIT_TIMEOUT, {**outcome, "state": "timeout", "reason": exc.reason}
    except (DeviceOffline, PaperOut, DeviceUnusable) as exc:
        code, outcome = EXIT_OFFLINE, {**outcome, "state": "not-printed", "reason": exc.reason,
                                       "detail": str(exc)}
    except (PrintFailed, DeviceError) as exc:
        code, outcome = EXIT_FAILED, {**outcome, "state": "failed", "reason": exc.reason,
                                      "detail": str(exc)}
    if args.json:
        print(json.dumps(outcome, ensure_ascii=False))
    elif code == EXIT_OK:
        print(f"printed {path} on {queue}: job {outcome['job_id']} completed")
    else:
        print(f"kiosk print: {path} was NOT printed on {queue}: {outcome['state']} "
              f"({outcome.get('reason')}) {outcome.get('detail', '')}", file=sys.stderr)
    return code
