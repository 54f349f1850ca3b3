"""`kiosk demo`: the sandbox platform on a free port with a temporary database, then the app."""

from __future__ import annotations

import functools
import hashlib
import tempfile
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

DEMO_TOKEN = "demo-token"
#: The demo's staff PIN (face check → 不刷脸，请工作人员核验); printed when the demo starts.
DEMO_STAFF_PIN = "246810"


@contextmanager
def sandbox_process(db_path: Path, token: str = DEMO_TOKEN,
                    log_path: Path | None = None) -> Iterator[str]:
    """Run `kiosk-sandbox serve` as a child process; yield its base URL; stop it on exit."""
    # The demo is a development tool: it reuses the sandbox's own launcher.
    from sandbox.testing import run_sandbox
    with run_sandbox(db_path, tokens=[token], log_path=log_path) as handle:
        yield handle.url


def demo_config(url: str, slips_dir: Path, *, orientation: str = "portrait",
                scale: float = 0.5, printer_queue: str | None = None,
                outbox_db: Path | None = None) -> dict:
    printer = ({"backend": "cups", "queue": printer_queue} if printer_queue
               else {"backend": "simulated", "out_dir": str(slips_dir)})
    return {
        "platform": {"url": url, "token": DEMO_TOKEN},
        "terminal": {"name": "演示终端（沙箱平台）", "id": "DEMO-1",
                     "staff_pin_sha256": hashlib.sha256(DEMO_STAFF_PIN.encode()).hexdigest(),
                     # The sandbox's 江城区 hall: 没带证件或读不出？ names it with its hours.
                     "staffed_hall": "HALL-JC"},
        "devices": {"idcard": {"backend": "simulated"}, "printer": printer,
                    "camera": {"backend": "simulated"}},
        "outbox": {"db": str(outbox_db or slips_dir / "outbox.db")},
        "ui": {"orientation": orientation, "fullscreen": False, "scale": scale, "demo": True},
    }


def run_demo(orientation: str, scale: float, printer_queue: str | None,
             slips_dir: str | None) -> int:
    from kiosk.boot import run
    from kiosk.config import parse_config

    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as tmp:
        tmp_path = Path(tmp)
        slips = Path(slips_dir) if slips_dir else Path.cwd() / "demo-slips"
        slips.mkdir(parents=True, exist_ok=True)
        print(f"kiosk demo: starting the sandbox platform (database {tmp_path / 'sandbox.db'})")
        with sandbox_process(tmp_path / "sandbox.db", log_path=tmp_path / "sandbox.log") as url:
            print(f"kiosk demo: sandbox platform at {url} (token {DEMO_TOKEN})")
            print(f"kiosk demo: staff PIN for 不刷脸，请工作人员核验: {DEMO_STAFF_PIN}")
            print(f"kiosk demo: printed slips go to {slips}" if not printer_queue
                  else f"kiosk demo: printing to CUPS queue {printer_queue}")
            cfg = parse_config(demo_config(url, slips, orientation=orientation, scale=scale,
                                           printer_queue=printer_queue,
                                           # In a folder of its own: its key
                                           # file goes beside it (data-keys/), in tmp too.
                                           outbox_db=tmp_path / "data" / "outbox.db"),
                               source="demo config")
            from .dev_panel import mount
            return run(cfg, on_built=(functools.partial(mount, staff_pin=DEMO_STAFF_PIN),))
