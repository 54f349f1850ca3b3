"""`kiosk outbox status` and `kiosk sync`: look into and drain the terminal's outbox from a shell."""

from __future__ import annotations

import json
import sys
from typing import Any

from writes.outbox import open_outbox
from writes.sender import PlatformSender
from offline_cache.crypto import OutboxKeyError
from offline_cache.store import StoreError
from offline_cache.sync import Backoff, SyncWorker
from services.client import PlatformClient


def _open(args: Any) -> Any:
    try:
        return open_outbox(args.db, key_file=getattr(args, "key_file", None))
    except (StoreError, OutboxKeyError, OSError) as exc:
        print(f"kiosk: cannot open the outbox: {exc}", file=sys.stderr)
        return None


def status(args: Any) -> int:
    box = _open(args)
    if box is None:
        return 2
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
    return 0


def sync(args: Any) -> int:
    """Exit 0 only when nothing is pending (with --until-empty), else 1."""
    box = _open(args)
    if box is None:
        return 2
    with PlatformClient(args.platform, args.token, timeout=args.http_timeout) as client:
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
    return 0 if empty else 1


def add_parsers(sub: Any) -> None:
    outbox = sub.add_parser("outbox", help="the terminal's outbox")
    osub = outbox.add_subparsers(dest="outbox_command", required=True)
    st = osub.add_parser("status", help="counts by state, oldest pending age, dead items")
    st.add_argument("--db", required=True)
    st.add_argument("--key-file")
    st.add_argument("--json", action="store_true")
    st.set_defaults(handler=status)

    sy = sub.add_parser("sync", help="deliver what the outbox holds")
    sy.add_argument("--db", required=True)
    sy.add_argument("--key-file")
    sy.add_argument("--platform", required=True)
    sy.add_argument("--token", required=True)
    sy.add_argument("--until-empty", action="store_true")
    sy.add_argument("--timeout", type=float, default=60.0, help="seconds (with --until-empty)")
    sy.add_argument("--http-timeout", type=float, default=5.0)
    sy.set_defaults(handler=sync)
