"""`kiosk outbox status` and `kiosk sync`: look into and drain the terminal's outbox from a shell.

Flags win; what they leave out (the database, its key, the platform and its token) comes from
the config file (`--config`, else $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml), which is read only
then or when given. Exit codes: `EXIT_CODES` below, numbers from the one table in exit_codes.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from writes.outbox import open_outbox
from writes.sender import PlatformSender
from kiosk.config import ConfigError, KioskConfig
from offline_cache.crypto import OutboxKeyError
from offline_cache.store import StoreError
from offline_cache.sync import Backoff, SyncWorker
from services.client import PlatformClient

from .config_file import add_config_option, load
from .exit_codes import ExitCode, describe

EXIT_CODES: dict[str, dict[ExitCode, str]] = {
    "outbox status": {
        ExitCode.OK: "the outbox was read",
        ExitCode.USAGE: "the config file is missing or wrong, or the outbox cannot be opened "
                        "(damaged file, wrong key)",
    },
    "sync": {
        ExitCode.OK: "nothing is pending any more",
        ExitCode.NOT_OK: "writes are still pending (platform unreachable, or --timeout passed)",
        ExitCode.USAGE: "the config file is missing or wrong, --platform is plain http:// to "
                        "another machine, or the outbox cannot be opened",
    },
}
#: Seconds per HTTP call when neither --http-timeout nor a config says.
HTTP_TIMEOUT = 5.0


def _config(args: argparse.Namespace, *needed: str) -> KioskConfig | None:
    """The config when given or when one of the `needed` flags was left out; None otherwise."""
    if args.config or any(getattr(args, name) is None for name in needed):
        return load(args.config)
    return None


def _open(args: argparse.Namespace, cfg: KioskConfig | None) -> Any:
    db: str = args.db or (cfg.outbox.db if cfg else "")  # _config read it when --db was not given
    key = key_file = None
    if args.key_file:
        key_file = args.key_file
    elif cfg is not None:
        key, key_file = cfg.outbox.key, cfg.outbox.key_file
    try:
        return open_outbox(db, key=key, key_file=key_file)
    except (StoreError, OutboxKeyError, OSError) as exc:
        print(f"kiosk: cannot open the outbox: {exc}", file=sys.stderr)
        return None


def status(args: argparse.Namespace) -> int:
    try:
        cfg = _config(args, "db")
    except ConfigError as exc:
        print(f"kiosk outbox status: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    box = _open(args, cfg)
    if box is None:
        return ExitCode.USAGE
    st = box.status()
    box.store.close()
    if args.json:
        print(json.dumps(st.as_json(), ensure_ascii=False))
    else:
        print("  ".join(f"{k}={v}" for k, v in st.counts.items()))
        if st.oldest_pending_age_s is not None:
            print(f"oldest pending: {st.oldest_pending_age_s:.0f} s")
        for d in st.dead:
            print(f"dead #{d['id']} {d['kind']} after {d['attempts']} attempts: {d['reason']}")
    return ExitCode.OK


def sync(args: argparse.Namespace) -> int:
    """OK only when nothing is pending (with --until-empty), else NOT_OK."""
    try:
        cfg = _config(args, "db", "platform", "token")
    except ConfigError as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    box = _open(args, cfg)
    if box is None:
        return ExitCode.USAGE
    platform = args.platform or (cfg.platform.url if cfg else "")
    token = args.token or (cfg.platform.token if cfg else "")
    http_timeout = args.http_timeout or (cfg.platform.timeout if cfg else HTTP_TIMEOUT)
    try:
        # The config's ca_file and pins whenever it was read, whatever URL the flags give.
        client = PlatformClient(platform, token, timeout=http_timeout,
                                **(cfg.platform.tls_options() if cfg else {}))
    except ValueError as exc:  # e.g. --platform http:// to another machine
        box.store.close()
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    with client:
        worker = SyncWorker(box, PlatformSender(client), backoff=Backoff(base_s=0.2, max_s=5.0))
        if args.until_empty:
            empty = worker.drain(args.timeout)
        else:
            box.recover()
            worker.run_once()
            empty = box.pending_count() == 0
    st = box.status()
    box.store.close()
    print(json.dumps(st.as_json(), ensure_ascii=False))
    return ExitCode.OK if empty else ExitCode.NOT_OK


def add_parsers(sub: Any) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    outbox = sub.add_parser("outbox", help="the terminal's outbox")
    osub = outbox.add_subparsers(dest="outbox_command", required=True)
    st = osub.add_parser("status", help="counts by state, oldest pending age, dead items",
                         epilog=describe(EXIT_CODES["outbox status"]), formatter_class=fmt)
    st.add_argument("--db", help="the outbox database (default: outbox.db of the config)")
    st.add_argument("--key-file", help="default: outbox.key / outbox.key_file of the config "
                                       "when it is read, else <DB folder>-keys/<DB name>.key")
    add_config_option(st, ": the outbox, when --db is not given")
    st.add_argument("--json", action="store_true")
    st.set_defaults(handler=status)

    sy = sub.add_parser("sync", help="deliver what the outbox holds",
                        epilog=describe(EXIT_CODES["sync"]), formatter_class=fmt)
    sy.add_argument("--db", help="the outbox database (default: outbox.db of the config)")
    sy.add_argument("--key-file", help="default: outbox.key / outbox.key_file of the config "
                                       "when it is read, else <DB folder>-keys/<DB name>.key")
    sy.add_argument("--platform", help="Platform API base URL (default: platform.url)")
    sy.add_argument("--token", help="bearer token (default: platform.token)")
    add_config_option(sy, ": outbox and platform, for what the flags leave out")
    sy.add_argument("--until-empty", action="store_true")
    sy.add_argument("--timeout", type=float, default=60.0, help="seconds (with --until-empty)")
    sy.add_argument("--http-timeout", type=float,
                    help=f"seconds per HTTP call (default: platform.timeout, else "
                         f"{HTTP_TIMEOUT:g})")
    sy.set_defaults(handler=sync)
