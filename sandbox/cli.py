"""`kiosk-sandbox`: serve the sandbox platform, or print its OpenAPI document."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from typing import Any


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk-sandbox",
                                     description="Sandbox platform implementing Platform API v1")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server (seeds the database on first start)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8700)
    serve.add_argument("--db", required=True, help="SQLite file; created and seeded if empty")
    serve.add_argument("--token", action="append", required=True,
                       help="accepted bearer token (repeat for several)")
    serve.add_argument("--today", type=date.fromisoformat, default=None,
                       help="freeze the sandbox clock at 00:00 of this day (YYYY-MM-DD)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--sandbox-tools", action="store_true",
                       help="also serve the test fixtures under /sandbox (ledger, SMS log, "
                            "app-login codes); without it they answer 404")
    openapi = sub.add_parser("openapi", help="print the OpenAPI document (docs/openapi.json)")
    openapi.add_argument("--out", help="write to this file instead of stdout")
    openapi.add_argument("--sandbox-tools", action="store_true",
                         help="the document of the test tools instead (docs/sandbox-tools."
                              "openapi.json; served at /sandbox/openapi.json with them)")
    return parser


def render_openapi(sandbox_tools: bool = False) -> str:
    from .app import openapi_document, sandbox_tools_document
    doc = sandbox_tools_document() if sandbox_tools else openapi_document()
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "openapi":
        text = render_openapi(args.sandbox_tools)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        return 0

    from .app import create_app
    app = create_app(args.db, args.token, args.today, sandbox_tools=args.sandbox_tools)
    serve_app(app, args.host, args.port, args.log_level)
    return 0


def serve_app(app: Any, host: str, port: int, log_level: str = "info") -> None:
    """Run `app` under uvicorn as the sandbox runs (bench/bench_sandbox.py serves its
    hello-world baseline through this too, so both are measured on the same settings)."""
    import uvicorn

    # The access log holds method, path and query only; bodies (ID numbers, names) never
    # reach a log line because nothing in the sandbox logs them.
    from .http_protocol import ProblemH11Protocol
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False,
                http=ProblemH11Protocol)
