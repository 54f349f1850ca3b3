"""Field-technician commands: `kiosk devices probe` and `kiosk print FILE`.

Both read the terminal's config file (`--config`, else $KIOSK_CONFIG, else
/etc/kiosk/kiosk.toml); `kiosk print --printer QUEUE` needs none. Exit codes (also with --json):
`EXIT_CODES` below, numbers from the one table in exit_codes.py.
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
from kiosk.config import ConfigError
from kiosk.device_set import device_factories

from .config_file import add_config_option, load
from .exit_codes import ExitCode, describe

EXIT_CODES: dict[str, dict[ExitCode, str]] = {
    "devices probe": {
        ExitCode.OK: "every configured device is usable (a card reader without a card is)",
        ExitCode.NOT_OK: "a configured device is not usable (its state and reason are listed)",
        ExitCode.USAGE: "the config file is missing or wrong",
    },
    "print": {
        ExitCode.OK: "CUPS reports the job completed",
        ExitCode.USAGE: "no queue (give --printer or a config with a cups printer), bad config, "
                        "FILE unreadable or not a PDF",
        ExitCode.TIMEOUT: "the job did not complete within --timeout",
        ExitCode.OFFLINE: "printer offline, out of paper, queue rejecting jobs or missing",
        ExitCode.FAILED: "the job ended without completing (aborted, cancelled, held)",
    },
}
#: Seconds `kiosk print` waits for CUPS when neither --timeout nor a config says.
PRINT_TIMEOUT = 120.0


def add_parsers(sub: Any) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    devices = sub.add_parser("devices", help="device diagnostics")
    dsub = devices.add_subparsers(dest="devices_command", required=True)
    probe = dsub.add_parser("probe", help="status, reason and capabilities of each device",
                            epilog=describe(EXIT_CODES["devices probe"]), formatter_class=fmt)
    add_config_option(probe, ": the devices to probe")
    probe.add_argument("--json", action="store_true")
    probe.set_defaults(handler=_probe)

    prn = sub.add_parser("print", help="print a PDF and wait until CUPS completes it",
                         epilog=describe(EXIT_CODES["print"]), formatter_class=fmt)
    prn.add_argument("file")
    prn.add_argument("--printer", help="CUPS queue (default: devices.printer of the config)")
    add_config_option(prn, ": the printer, when --printer is not given")
    prn.add_argument("--timeout", type=float,
                     help=f"seconds (default: devices.printer.timeout, else {PRINT_TIMEOUT:g})")
    prn.add_argument("--json", action="store_true")
    prn.set_defaults(handler=_print)


def _probe(args: argparse.Namespace) -> int:
    try:
        cfg = load(args.config)
    except ConfigError as exc:
        print(f"kiosk devices probe: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    rows: list[dict[str, Any]] = []
    devices = {}
    factories = device_factories(cfg)
    for name, (backend, factory) in factories.items():
        try:
            devices[name] = factory().device
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
    return ExitCode.OK if ok else ExitCode.NOT_OK


def _print(args: argparse.Namespace) -> int:
    queue, server, timeout = args.printer, None, args.timeout
    if queue is None or args.config:
        try:
            cfg = load(args.config)
        except ConfigError as exc:
            print(f"kiosk print: {exc}", file=sys.stderr)
            return ExitCode.USAGE
        if queue is None and cfg.devices.printer.backend == "cups":
            queue, server = cfg.devices.printer.queue, cfg.devices.printer.server
        if timeout is None:
            timeout = cfg.devices.printer.timeout
    if not queue:
        print("kiosk print: give --printer QUEUE, or a config with a cups printer",
              file=sys.stderr)
        return ExitCode.USAGE
    if timeout is None:
        timeout = PRINT_TIMEOUT
    path = Path(args.file)
    try:
        pdf = path.read_bytes()
    except OSError as exc:
        print(f"kiosk print: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return ExitCode.USAGE
    if not pdf.startswith(b"%PDF"):
        print(f"kiosk print: {path} is not a PDF", file=sys.stderr)
        return ExitCode.USAGE
    code, outcome = ExitCode.OK, {"file": str(path), "printer": queue}
    try:
        printer = make_printer("cups", {"queue": queue, "server": server})
        result = printer.print_pdf(pdf, title=path.name, timeout=timeout)
        outcome.update(state="completed", job_id=result.job_id)
    except DeviceTimeout as exc:
        code, outcome = ExitCode.TIMEOUT, {**outcome, "state": "timeout", "reason": exc.reason}
    except (DeviceOffline, PaperOut, DeviceUnusable) as exc:
        code = ExitCode.OFFLINE
        outcome = {**outcome, "state": "not-printed", "reason": exc.reason, "detail": str(exc)}
    except (PrintFailed, DeviceError) as exc:
        code = ExitCode.FAILED
        outcome = {**outcome, "state": "failed", "reason": exc.reason, "detail": str(exc)}
    if args.json:
        print(json.dumps(outcome, ensure_ascii=False))
    elif code == ExitCode.OK:
        print(f"printed {path} on {queue}: job {outcome['job_id']} completed")
    else:
        print(f"kiosk print: {path} was NOT printed on {queue}: {outcome['state']} "
              f"({outcome.get('reason')}) {outcome.get('detail', '')}", file=sys.stderr)
    return code
