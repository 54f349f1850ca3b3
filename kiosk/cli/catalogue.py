"""`kiosk catalogue sync | search`: the terminal's own copy of the item catalogue, for technicians.

Both read the config (`--config`, else $KIOSK_CONFIG, else /etc/kiosk/kiosk.toml): the copy
lives in the read cache of the terminal's database (outbox.db), the platform and its token
are platform.*. `sync` needs the platform; `search` answers from the copy alone, the way the
booking screen does, so it works with the network down. Exit codes: `EXIT_CODES` below.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from kiosk.config import ConfigError, KioskConfig
from kiosk.flows.booking.cached_catalogue import CachedCatalogue
from kiosk.flows.booking.local_catalogue import LocalCatalogue, copy_age_s, load_copy
from offline_cache.cache import ResponseCache
from offline_cache.store import Store, StoreError
from services.client import PlatformClient
from services.errors import PlatformError, PlatformUnavailable

from .config_file import add_config_option, load
from .exit_codes import ExitCode, describe

EXIT_CODES: dict[str, dict[ExitCode, str]] = {
    "catalogue sync": {
        ExitCode.OK: "the terminal's copy is the platform's current catalogue",
        ExitCode.USAGE: "the config file is missing or wrong, or the terminal database cannot "
                        "be opened",
        ExitCode.OFFLINE: "the platform cannot be reached (the copy is left as it was)",
        ExitCode.FAILED: "the platform answered but refused or sent a catalogue that does not "
                         "validate (the copy is left as it was)",
    },
    "catalogue search": {
        ExitCode.OK: "items were found in the terminal's copy",
        ExitCode.NOT_OK: "nothing in the copy matches the query",
        ExitCode.USAGE: "the config file is missing or wrong, or the terminal database cannot "
                        "be opened",
        ExitCode.OFFLINE: "the terminal holds no copy of the catalogue yet (run kiosk "
                          "catalogue sync)",
    },
}


def _positive(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def _open(cfg: KioskConfig, command: str) -> Store | None:
    try:
        return Store(cfg.outbox.db)
    except StoreError as exc:
        print(f"kiosk catalogue {command}: {exc}", file=sys.stderr)
        return None


def _config(args: argparse.Namespace, command: str) -> KioskConfig | None:
    try:
        return load(args.config)
    except ConfigError as exc:
        print(f"kiosk catalogue {command}: {exc}", file=sys.stderr)
        return None


def sync(args: argparse.Namespace) -> int:
    cfg = _config(args, "sync")
    store = _open(cfg, "sync") if cfg else None
    if cfg is None or store is None:
        return ExitCode.USAGE
    try:
        with PlatformClient(cfg.platform.url, cfg.platform.token, timeout=cfg.platform.timeout,
                            **cfg.platform.tls_options()) as client:
            cache = ResponseCache(store)
            result = LocalCatalogue(client, cache, CachedCatalogue(client, cache)).sync()
    except PlatformUnavailable as exc:
        print(f"kiosk catalogue sync: the platform cannot be reached: {exc.detail or exc}",
              file=sys.stderr)
        return ExitCode.OFFLINE
    except PlatformError as exc:
        print(f"kiosk catalogue sync: {type(exc).__name__}: {exc.detail or exc}",
              file=sys.stderr)
        return ExitCode.FAILED
    finally:
        store.close()
    print(json.dumps({"version": result.version, "items": result.items,
                      "changed": result.changed, "pages_sent": result.pages_sent}))
    return ExitCode.OK


def search(args: argparse.Namespace) -> int:
    cfg = _config(args, "search")
    store = _open(cfg, "search") if cfg else None
    if cfg is None or store is None:
        return ExitCode.USAGE
    try:
        cache = ResponseCache(store)
        copy = load_copy(cache)
        age = copy_age_s(cache)
    finally:
        store.close()
    if copy is None:
        print("kiosk catalogue search: this terminal holds no copy of the catalogue yet; "
              "run kiosk catalogue sync", file=sys.stderr)
        return ExitCode.OFFLINE
    version, index = copy
    found = index.search(args.query, bookable=True if args.bookable else None,
                         limit=args.limit)
    if args.json:
        print(json.dumps({"version": version, "age_s": age, "total": found.total,
                          "items": [{"id": i.id, "name": i.name, "department": i.department,
                                     "level": i.level, "bookable": i.bookable}
                                    for i in found.items]}, ensure_ascii=False))
    else:
        for i in found.items:
            print(f"{i.id}\t{i.name}\t{i.department}\t{i.level}")
        print(f"{len(found.items)} of {found.total} (catalogue {version}, "
              f"confirmed {age or 0:.0f} s ago)")
    return ExitCode.OK if found.total else ExitCode.NOT_OK


def add_parsers(sub: Any) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    cat = sub.add_parser("catalogue", help="the terminal's own copy of the item catalogue")
    csub = cat.add_subparsers(dest="catalogue_command", required=True)
    sy = csub.add_parser("sync", help="bring the copy up to date from the platform (ETag)",
                         epilog=describe(EXIT_CODES["catalogue sync"]), formatter_class=fmt)
    add_config_option(sy, ": the platform and the terminal database")
    sy.set_defaults(handler=sync)
    se = csub.add_parser("search", help="search the copy as the booking screen does, offline",
                         epilog=describe(EXIT_CODES["catalogue search"]), formatter_class=fmt)
    se.add_argument("query", metavar="QUERY",
                    help="Chinese characters, full pinyin or initials; terms separated by spaces")
    se.add_argument("--limit", type=_positive, default=20, help="items to show (default 20)")
    se.add_argument("--bookable", action="store_true",
                    help="only items a hall appointment can be booked for (as the booking "
                         "screen shows)")
    add_config_option(se, ": the terminal database")
    se.add_argument("--json", action="store_true")
    se.set_defaults(handler=search)
