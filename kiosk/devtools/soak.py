"""`kiosk soak`: the real app offscreen on simulated devices through N resident sessions
against a sandbox platform of its own, measured every `every` sessions (kiosk/devtools/
soak_meter.py), judged at the end. A burn-in before a terminal goes into service."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from devices.idcard.idnumber import check_digit

from .soak_meter import Sample, Verdict, measure
from .soak_plan import Plan

log = logging.getLogger("kiosk.soak")

SOAK_TOKEN = "soak-token"
SOAK_STAFF_PIN = "246810"
#: Invented names for the generated residents (no real person's data, even in a burn-in).
_SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
_GIVEN = "明华秀英建国志强丽娟文军平静海燕玉兰春梅德福桂芳"
#: Counties of the fictitious 江汉市 (the fixture's 4207xx numbers).
_AREAS = ("420702", "420703", "420704", "420781")


def residents(count: int, seed: int) -> list[dict[str, Any]]:
    """`count` distinct residents with valid GB 11643 numbers for the simulated card reader:
    ID cards and social-security cards (as each one's plan says), born 1935 to 2004."""
    rng = random.Random(f"residents:{seed}")
    out: list[dict[str, Any]] = []
    taken: set[str] = set()
    while len(out) < count:
        born = date(1935, 1, 1) + timedelta(days=rng.randrange(70 * 365))
        first17 = f"{rng.choice(_AREAS)}{born:%Y%m%d}{rng.randrange(1000):03d}"
        number = first17 + check_digit(first17)
        if number in taken:
            continue
        taken.add(number)
        male = int(first17[16]) % 2 == 1
        out.append({
            # The resident's card: what their plan says they bring.
            "kind": ("social_security_card" if Plan.draw(len(out), seed).way == "sscard"
                     else "id_card"),
            "name": rng.choice(_SURNAMES) + "".join(rng.choices(_GIVEN, k=rng.choice((1, 2)))),
            "id_number": number, "sex": "男" if male else "女", "nation": "汉",
            "birth_date": born.isoformat(), "address": "江汉市东湖区青山路18号",
            "issuer": "江汉市公安局", "valid_from": "2015-06-01", "valid_until": None,
            "phone": f"139{rng.randrange(10**8):08d}",
        })
    return out


def soak_config(url: str, work: Path, residents_file: Path, orientation: str) -> dict[str, Any]:
    """A terminal like the demo's, without the dev panel: the driver holds the devices."""
    return {
        "platform": {"url": url, "token": SOAK_TOKEN},
        "terminal": {"name": "老化测试终端", "id": "SOAK-1", "staffed_hall": "HALL-JC",
                     "staff_pin_sha256": hashlib.sha256(SOAK_STAFF_PIN.encode()).hexdigest()},
        "devices": {"idcard": {"backend": "simulated", "residents": str(residents_file)},
                    "printer": {"backend": "simulated", "out_dir": str(work / "slips")},
                    "camera": {"backend": "simulated"}},
        "outbox": {"db": str(work / "data" / "outbox.db")},
        "ui": {"orientation": orientation, "fullscreen": False, "scale": 0.5, "demo": False},
    }


def register_faces(db: Path, people: list[dict[str, Any]]) -> None:
    """The sandbox's reference photo (the face the simulated camera shows) for every resident."""
    import sqlite3

    from sandbox.face_seed import reference_photo
    from sandbox.identity import register_reference
    photo = reference_photo()
    if photo is None:
        return  # no scikit-image: the face sessions will say so
    with sqlite3.connect(db, timeout=30) as conn:
        for person in people:
            register_reference(conn, person["id_number"], photo)


def run_soak(sessions: int, *, every: int = 50, seed: int = 1, orientation: str = "portrait",
             on_sample: Callable[[Sample], None] = lambda _s: None,
             keep: str | None = None) -> dict[str, Any]:
    """Run the soak; returns the samples and the verdict (as printed by `--json`). `keep`: a
    folder for the soak's files (Kivy's log, screenshots of failed sessions, the databases),
    kept afterwards; by default they go to a temporary folder that is removed."""
    from sandbox.testing import run_sandbox
    # Offscreen: SDL falls back to an EGL surface without a display, as in the tests.
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory(prefix="kiosk-soak-") as tmp:
        work = Path(keep) if keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("KIVY_HOME", str(work / "kivy-home"))
        os.environ.setdefault("KIVY_NO_ARGS", "1")
        os.environ.setdefault("KIVY_NO_CONSOLELOG", "1")
        people = residents(sessions + 1, seed)
        residents_file = work / "residents.json"
        residents_file.write_text(json.dumps({"residents": people}, ensure_ascii=False),
                                  encoding="utf-8")
        with run_sandbox(work / "sandbox.db", tokens=[SOAK_TOKEN],
                         log_path=work / "sandbox.log") as platform:
            register_faces(work / "sandbox.db", people)
            started = time.monotonic()
            samples, failures = _drive(soak_config(platform.url, work, residents_file,
                                                   orientation), work, sessions, every, seed,
                                       on_sample)
            elapsed = time.monotonic() - started
    baseline = next((s for s in samples if s.sessions >= every), samples[0])
    verdict = Verdict(baseline, samples[-1], len(failures))
    return {"sessions": sessions, "seconds": round(elapsed, 1),
            "samples": [s.as_dict() for s in samples], "failures": failures[:20],
            "verdict": verdict.as_dict()}


def _drive(raw_config: dict[str, Any], work: Path, sessions: int, every: int, seed: int,
           on_sample: Callable[[Sample], None]) -> tuple[list[Sample], list[str]]:
    from kiosk.boot import build_app
    from kiosk.config import parse_config

    app = build_app(parse_config(raw_config, source="soak config"))
    # Only now: the driver imports Kivy's window, which must open at the size boot set.
    from .scripted import Script, ScriptFailed, ScriptRunner
    from .soak_sessions import session
    from .steps import on

    samples: list[Sample] = []
    failures: list[str] = []

    def script(runner: ScriptRunner) -> Script:
        controls = app.devices.controls
        people = controls["idcard"].residents()
        for number in range(sessions):
            plan = Plan.draw(number, seed)
            log.info("soak session %s: %s, %s%s", number, plan.way, plan.end,
                     ", 长辈模式" if plan.elderly else "")
            try:
                yield from session(runner, plan, people[number], number, SOAK_STAFF_PIN)
            except ScriptFailed as exc:
                # Only the step and the plan: no resident's data in the output.
                failures.append(f"session {number} ({plan.way}, {plan.end}): {exc}")
                log.warning("soak %s", failures[-1])
                runner.screenshot(f"failed-{number}")
                controls["idcard"].remove()
                app.reset_session()
                yield on(app, "attract")
            done = number + 1
            if done == 1 or done % every == 0 or done == sessions:
                yield from _settle(app)
                sample = measure(app, done, len(failures))
                samples.append(sample)
                on_sample(sample)

    def start(*_a: object) -> None:
        # Kivy's clock holds callbacks weakly: the app keeps the runner alive.
        app.soak_runner = ScriptRunner(app, script, work / "out")

    app.bind(on_start=start)
    app.run()
    error = app.soak_runner.error
    if error is not None:
        raise RuntimeError(f"the soak stopped: {error}")
    return samples, failures


#: How long the app idles at the attract screen before a sample: longer than the heap trim
#: reset_session schedules (1 s), and many frames for Kivy's deferred work.
SETTLE_SECONDS = 1.5


def _settle(app: Any) -> Any:
    """The same state before every sample, whatever the session was: no overlay, no screen
    transition or animation running, then a collection and a few frames, on which Kivy frees
    the GL objects of collected widgets and drops the callbacks they had bound (to the
    metrics, to textures), then a last collection in measure()."""
    import gc

    from kivy.animation import Animation

    from .scripted import settle, until
    yield until("quiet", lambda: app._busy is None and app._idle_warning is None
                and not app.sm.transition.is_active and not Animation._instances)
    gc.collect()
    yield settle(SETTLE_SECONDS)
