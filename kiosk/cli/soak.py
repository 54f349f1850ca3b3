"""`kiosk soak`: burn-in of the real app (offscreen, simulated devices, a sandbox platform of
its own) through N resident sessions; memory, objects and Kivy observers every 50 sessions."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .exit_codes import ExitCode, describe

EXIT_CODES: dict[str, dict[ExitCode, str]] = {"soak": {
    ExitCode.OK: "every session ran; RSS grew at most 2% from the baseline sample, Kivy "
                 "observers and Python objects did not grow",
    ExitCode.NOT_OK: "a limit was broken, or a session failed (the verdict says which)",
    ExitCode.USAGE: "a bad flag",
    ExitCode.FAILED: "the soak could not run (the sandbox or the app did not start)",
}}


def add_parsers(sub: Any) -> None:
    soak = sub.add_parser(
        "soak", help="burn-in: the real app offscreen through N resident sessions",
        description="Books, abandons (idle reset) and leaves sessions on simulated devices, "
                    "with 长辈模式 on some, and prints RSS, Python objects and Kivy observers "
                    "every --every sessions; the baseline is the sample at --every.",
        epilog=describe(EXIT_CODES["soak"]), formatter_class=argparse.RawDescriptionHelpFormatter)
    soak.add_argument("--sessions", type=int, required=True, help="how many residents")
    soak.add_argument("--every", type=int, default=50, help="sample every N sessions "
                      "(default 50; the first sample after the warm-up is the baseline)")
    soak.add_argument("--seed", type=int, default=1, help="the residents and their choices")
    soak.add_argument("--orientation", choices=("portrait", "landscape"), default="portrait")
    soak.add_argument("--json", action="store_true", help="one JSON document at the end")
    soak.add_argument("--keep", metavar="DIR", help="keep the soak's files here: Kivy's log, "
                      "a screenshot of each failed session, the databases (fictitious residents)")
    soak.set_defaults(handler=soak_main)


def soak_main(args: argparse.Namespace) -> int:
    if args.sessions < 1 or args.every < 1:
        print("kiosk soak: --sessions and --every must be at least 1", file=sys.stderr)
        return ExitCode.USAGE
    from kiosk.devtools.soak import run_soak
    from kiosk.devtools.soak_meter import Sample

    def show(sample: Sample) -> None:
        if not args.json:
            print(f"{sample.sessions:>6} sessions  RSS {sample.rss_mb:8.1f} MB  "
                  f"objects {sample.objects:>8}  observers {sample.observers:>6}  "
                  f"widgets {sample.widgets:>5}  failed {sample.failed}", flush=True)

    if not args.json:
        print(f"{'':>6} {'':8}  (RSS MB, Python objects after gc, Kivy property observers)")
    try:
        result = run_soak(args.sessions, every=args.every, seed=args.seed,
                          orientation=args.orientation, on_sample=show, keep=args.keep)
    except RuntimeError as exc:
        print(f"kiosk soak: {exc}", file=sys.stderr)
        return ExitCode.FAILED
    verdict = result["verdict"]
    code = ExitCode.OK if verdict["ok"] else ExitCode.NOT_OK
    if args.json:
        print(json.dumps(dict(result, exit=int(code)), ensure_ascii=False))
    else:
        for failure in result["failures"]:
            print(f"failed: {failure}")
        print(f"{args.sessions} sessions in {result['seconds']:.0f} s; from session "
              f"{verdict['baseline_sessions']} to {verdict['last_sessions']}: RSS "
              f"{verdict['rss_growth']:+.1%}, objects {verdict['object_growth']:+.2%}, "
              f"observers {verdict['observer_growth']:+d}: "
              + ("ok" if verdict["ok"] else "; ".join(verdict["problems"])))
    return code
