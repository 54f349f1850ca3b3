"""`kiosk card read` / `kiosk card readers`: read a card (masked as on screen), list PC/SC readers.

Exit codes (also with --json): `EXIT_CODES` below, numbers from the one table in exit_codes.py.
"""

from __future__ import annotations

import argparse
import getpass
import hashlib
import hmac
import json
import os
import sys
from datetime import date
from typing import Any

from devices.base import DeviceError, DeviceOffline, DeviceTimeout, DeviceUnusable, NoCard
from devices.idcard.base import IdentityDocument
from devices.idcard.wlt import photo_format
from devices.registry import build_device
from kiosk.config import ConfigError
from services.privacy import mask_id_number, mask_middle, mask_name

from .config_file import add_config_option, load
from .exit_codes import ExitCode, describe

EXIT_CODES: dict[str, dict[ExitCode, str]] = {
    "card read": {
        ExitCode.OK: "a card was read",
        ExitCode.USAGE: "bad flags, or the config file is missing or wrong",
        ExitCode.TIMEOUT: "no card was presented before --timeout (or the previous card was "
                          "never removed)",
        ExitCode.OFFLINE: "the reader is offline or unusable (no reader, pcscd down, port "
                          "missing, library missing)",
        ExitCode.FAILED: "a card was there but could not be read (pulled out, unreadable, "
                         "invalid data, not a social-security card)",
        ExitCode.PIN_REFUSED: "--reveal refused: wrong or unconfigured maintenance PIN",
    },
    "card readers": {
        ExitCode.OK: "pcscd lists at least one reader",
        ExitCode.OFFLINE: "no reader, or pcscd or pyscard missing",
    },
}
PIN_ENV = "KIOSK_MAINTENANCE_PIN_SHA256"
READ_HELP = f"""Wait for a card and print its fields, name and ID number masked as on screen.

The reader comes from the config file (--config, else $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml)
unless --backend says which; --reveal takes the maintenance PIN's hash from it too, or from
${PIN_ENV}."""
_BACKENDS = {"ga467": "ga467", "pcsc": "pcsc", "sim": "simulated", "simulated": "simulated"}


def add_parsers(sub: Any) -> None:
    card = sub.add_parser("card", help="ID / social-security card diagnostics")
    csub = card.add_subparsers(dest="card_command", required=True)
    read = csub.add_parser("read", help="wait for a card and print what it says (masked)",
                           description=READ_HELP, epilog=describe(EXIT_CODES["card read"]),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    read.add_argument("--backend", choices=sorted(_BACKENDS),
                      help="default: devices.idcard of the config")
    add_config_option(read, ": backend, port, reader, maintenance PIN")
    read.add_argument("--port", help="ga467: serial device, e.g. /dev/ttyUSB0")
    read.add_argument("--baudrate", type=int, help="ga467: serial speed (default 115200)")
    read.add_argument("--reader", help="pcsc: reader name or part of it (default: any)")
    read.add_argument("--resident", type=int, default=0, help="sim: which fixture card to place")
    read.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card")
    read.add_argument("--json", action="store_true", help="one JSON object on stdout")
    read.add_argument("--reveal", action="store_true",
                      help="show name, ID number and address in full (needs the PIN)")
    read.add_argument("--pin", help="maintenance PIN for --reveal (asked for when omitted)")
    read.set_defaults(handler=run)
    readers = csub.add_parser("readers", help="PC/SC readers pcscd knows, with card presence",
                              epilog=describe(EXIT_CODES["card readers"]),
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    readers.add_argument("--json", action="store_true")
    readers.set_defaults(handler=list_readers)


def list_readers(args: argparse.Namespace) -> int:
    from devices.idcard.pcsc import PcscReader
    rows: list[dict[str, Any]] = []
    try:
        if not PcscReader.is_usable():
            raise DeviceUnusable("pyscard is not installed (pip install pyscard)",
                                 reason="library-missing")
        for name in PcscReader().readers():
            reader = PcscReader(name)
            reader.open()
            try:
                st = reader.status()
            finally:
                reader.close()
            rows.append({"reader": name, "state": st.state.value, "reason": st.reason})
    except DeviceError as exc:
        return _fail(args, ExitCode.OFFLINE, exc.reason, str(exc))
    if args.json:
        print(json.dumps({"ok": bool(rows), "readers": rows}, ensure_ascii=False))
    else:
        for row in rows:
            print(f"{row['reader']:<40} {row['state']}")
        if not rows:
            print("no PC/SC reader is connected", file=sys.stderr)
    return ExitCode.OK if rows else ExitCode.OFFLINE


def card_fields(doc: IdentityDocument, card_number: str | None, reveal: bool) -> dict[str, Any]:
    """What the command prints; personal fields masked unless `reveal`."""
    def day(d: date | None) -> str | None:
        return None if d is None or d == date.min else d.isoformat()
    fields: dict[str, Any] = {
        "kind": doc.kind,
        "name": doc.name if reveal else mask_name(doc.name),
        "id_number": doc.id_number if reveal else mask_id_number(doc.id_number),
        "sex": doc.sex, "nation": doc.nation, "birth_date": day(doc.birth_date),
        "address": doc.address if reveal or not doc.address else doc.address[:6] + "…",
        "issuer": doc.issuer, "valid_from": day(doc.valid_from),
        "valid_until": day(doc.valid_until) if doc.valid_until else "长期",
        "photo": (f"{len(doc.photo)} bytes ({photo_format(doc.photo)})" if doc.photo else None),
    }
    if doc.kind == "social_security_card":
        fields["valid_until"] = day(doc.valid_until)
    if card_number is not None:  # card numbers are short (9 characters): keep less of them
        fields["card_number"] = card_number if reveal else mask_middle(card_number, 1, 1)
    return fields


def _pin_ok(pin: str, config_hash: str | None) -> bool:
    expected = (os.environ.get(PIN_ENV) or config_hash or "").strip().lower()
    if not expected:
        return False
    digest = hashlib.sha256(pin.encode("utf-8")).hexdigest()
    return hmac.compare_digest(digest, expected)


def _fail(args: argparse.Namespace, code: ExitCode, reason: str, message: str) -> int:
    if args.json:
        print(json.dumps({"ok": False, "exit": code, "reason": reason, "message": message},
                         ensure_ascii=False))
    print(f"kiosk card: {message}", file=sys.stderr)
    return code


def _options(args: argparse.Namespace, cfg_opts: dict[str, Any], backend: str) -> dict[str, Any]:
    opts = dict(cfg_opts)
    if backend == "ga467":
        if args.port:
            opts["port"] = args.port
        if args.baudrate:
            opts["baudrate"] = args.baudrate
        opts.pop("residents_file", None)
        opts.pop("reader", None)
    elif backend == "pcsc":
        opts = {"reader": args.reader or opts.get("reader")}
    else:
        opts = {k: v for k, v in opts.items() if k == "residents_file"}
    return opts


def run(args: argparse.Namespace) -> int:
    cfg_opts: dict[str, Any] = {}
    cfg_backend, pin_hash = None, None
    # The config is read when given, or when the flags leave out what only it can say: which
    # reader, or (for --reveal) the PIN's hash.
    needs_pin = args.reveal and not os.environ.get(PIN_ENV)
    if args.config or args.backend is None or needs_pin:
        try:
            cfg = load(args.config)
        except ConfigError as exc:
            return _fail(args, ExitCode.USAGE, "bad-config", str(exc))
        cfg_backend, pin_hash = cfg.devices.idcard.backend, cfg.terminal.maintenance_pin_sha256
        cfg_opts = cfg.devices.idcard.backend_options()
    backend = _BACKENDS.get(args.backend or "", cfg_backend or "")
    if not backend:
        return _fail(args, ExitCode.USAGE, "bad-usage", "say which reader: --backend "
                     "ga467|pcsc|sim or --config FILE")
    if args.timeout < 0:
        return _fail(args, ExitCode.USAGE, "bad-usage", "--timeout must not be negative")
    if args.reveal:
        pin = args.pin if args.pin is not None else getpass.getpass("maintenance PIN: ")
        if not _pin_ok(pin, pin_hash):
            return _fail(args, ExitCode.PIN_REFUSED, "pin-refused", "--reveal refused: wrong "
                         "maintenance PIN, or none configured (terminal.maintenance_pin_sha256 / "
                         f"{PIN_ENV})")
    try:
        built = build_device("idcard", backend, _options(args, cfg_opts, backend))
    except DeviceUnusable as exc:
        return _fail(args, ExitCode.OFFLINE, exc.reason, str(exc))
    reader = built.device
    try:
        reader.open()
        if built.control is not None:  # the simulated reader: place the chosen resident's card
            built.control.present(args.resident)
        if not args.json:
            print(f"请放置证件 / place the card on the reader ({args.timeout:g} s)…",
                  file=sys.stderr)
        card_number = None
        if hasattr(reader, "read_card"):
            card = reader.read_card(args.timeout)
            doc, card_number = card.document, card.card_number
        else:
            doc = reader.read(args.timeout)
    except NoCard as exc:
        return _fail(args, ExitCode.TIMEOUT, exc.reason, f"no card: {exc}")
    except (DeviceOffline, DeviceUnusable, DeviceTimeout) as exc:
        return _fail(args, ExitCode.OFFLINE, exc.reason, f"reader unavailable: {exc}")
    except DeviceError as exc:
        return _fail(args, ExitCode.FAILED, exc.reason, f"card not read: {exc}")
    finally:
        reader.close()
    fields = card_fields(doc, card_number, args.reveal)
    if args.json:
        print(json.dumps({"ok": True, "backend": backend, "card": fields}, ensure_ascii=False))
    else:
        for key, value in fields.items():
            print(f"{key:<12} {'' if value is None else value}")
    return ExitCode.OK
