"""`kiosk catalogue sync` against a real sandbox over HTTP, then `kiosk catalogue search` with
the sandbox stopped: a technician's check that the terminal can search offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from kiosk.cli.exit_codes import ExitCode
from sandbox.testing import run_sandbox

ROOT = Path(__file__).resolve().parents[2]


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def config(tmp_path: Path, url: str, token: str) -> Path:
    f = tmp_path / "kiosk.toml"
    f.write_text(f'[platform]\nurl = "{url}"\ntoken = "{token}"\n'
                 f'[outbox]\ndb = "{tmp_path / "outbox.db"}"\n'
                 f'[devices.printer]\nbackend = "simulated"\nout_dir = "{tmp_path}"\n',
                 encoding="utf-8")
    return f


def test_sync_then_search_with_the_platform_stopped(tmp_path: Path) -> None:
    with run_sandbox(tmp_path / "sandbox.db") as platform:
        cfg = str(config(tmp_path, platform.url, platform.token))
        before = kiosk("catalogue", "search", "sbk", "--config", cfg)
        assert before.returncode == ExitCode.OFFLINE, before.stderr
        assert "kiosk catalogue sync" in before.stderr
        done = kiosk("catalogue", "sync", "--config", cfg)
        assert done.returncode == ExitCode.OK, done.stderr
        synced = json.loads(done.stdout)
        assert synced["items"] > 1000 and synced["changed"] is True
        again = json.loads(kiosk("catalogue", "sync", "--config", cfg).stdout)
        assert (again["version"], again["changed"], again["pages_sent"]) == (
            synced["version"], False, 0)
    # The platform is gone: search still answers, from the copy, as the platform ranks.
    found = kiosk("catalogue", "search", "shebaoka", "--json", "--config", cfg)
    assert found.returncode == ExitCode.OK, found.stderr
    answer = json.loads(found.stdout)
    assert answer["version"] == synced["version"] and answer["total"] >= 4
    assert answer["items"][0]["name"] == "社会保障卡申领"
    assert all("社保卡" in i["name"] or "社会保障卡" in i["name"] for i in answer["items"])
    text = kiosk("catalogue", "search", "公积金 提取", "--bookable", "--config", cfg)
    assert text.returncode == ExitCode.OK and "住房公积金" in text.stdout
    assert " of " in text.stdout.splitlines()[-1]
    nothing = kiosk("catalogue", "search", "zzqqzz", "--config", cfg)
    assert nothing.returncode == ExitCode.NOT_OK
    offline = kiosk("catalogue", "sync", "--config", cfg)
    assert offline.returncode == ExitCode.OFFLINE and "cannot be reached" in offline.stderr


def test_a_missing_config_is_usage(tmp_path: Path) -> None:
    for command in ("sync", "search x"):
        proc = kiosk("catalogue", *command.split(), "--config", str(tmp_path / "none.toml"))
        assert proc.returncode == ExitCode.USAGE and "none.toml" in proc.stderr
