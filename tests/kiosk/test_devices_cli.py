"""`kiosk devices probe` and `kiosk print` as a field technician runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli.config_file import CONFIG_ENV, DEFAULT_CONFIG
from kiosk.cli.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[2]


def kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def config(tmp_path: Path, printer: str) -> Path:
    f = tmp_path / "kiosk.toml"
    f.write_text('[platform]\nurl = "http://127.0.0.1:9"\ntoken = "t"\n' + printer,
                 encoding="utf-8")
    return f


def test_probe_simulated_devices_json(tmp_path: Path) -> None:
    cfg = config(tmp_path, f'[devices.printer]\nbackend = "simulated"\nout_dir = "{tmp_path}"\n'
                 '[devices.camera]\nbackend = "simulated"\n')
    proc = kiosk("devices", "probe", "--config", str(cfg), "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    states = {d["name"]: d for d in report["devices"]}
    assert states["printer"]["state"] == "online"
    assert states["idcard"]["backend"] == "SimulatedIdCardReader"
    assert states["camera"]["backend"] == "SimulatedCamera"
    assert report["ok"] is True


def test_probe_without_flags_reads_kiosk_config(tmp_path: Path) -> None:
    cfg = config(tmp_path, f'[devices.printer]\nbackend = "simulated"\nout_dir = "{tmp_path}"\n')
    proc = subprocess.run([sys.executable, "-m", "kiosk", "devices", "probe", "--json"], cwd=ROOT,
                          env=dict(os.environ, **{CONFIG_ENV: str(cfg)}), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == ExitCode.OK, proc.stderr
    assert {d["name"] for d in json.loads(proc.stdout)["devices"]} == {"idcard", "printer"}


def test_probe_without_any_config_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "etc" / "kiosk.toml"
    proc = subprocess.run([sys.executable, "-m", "kiosk", "devices", "probe"], cwd=ROOT,
                          env=dict(os.environ, **{CONFIG_ENV: str(missing)}),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == ExitCode.USAGE
    assert f"no config file at {missing}" in proc.stderr and CONFIG_ENV in proc.stderr
    if Path(DEFAULT_CONFIG).exists():
        pytest.skip(f"{DEFAULT_CONFIG} exists here: the default path is configured")
    env = {k: v for k, v in os.environ.items() if k != CONFIG_ENV}
    proc = subprocess.run([sys.executable, "-m", "kiosk", "devices", "probe"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == ExitCode.USAGE
    assert f"no config file at {DEFAULT_CONFIG} (the default)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_probe_missing_cups_queue_exits_1(tmp_path: Path) -> None:
    cfg = config(tmp_path, '[devices.printer]\nbackend = "cups"\nqueue = "no-such-queue-xyz"\n')
    proc = kiosk("devices", "probe", "--config", str(cfg), "--json")
    assert proc.returncode == 1
    printer = next(d for d in json.loads(proc.stdout)["devices"] if d["name"] == "printer")
    assert printer["state"] in ("offline", "error")


def test_print_rejects_non_pdf_and_bad_config(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf")
    assert kiosk("print", str(junk), "--printer", "q").returncode == 2
    assert kiosk("print", str(tmp_path / "missing.pdf"), "--printer", "q").returncode == 2
    assert kiosk("print", str(junk)).returncode == 2


@pytest.mark.cups
def test_print_to_real_cups_waits_for_completion(tmp_path: Path, cups_queue: str) -> None:
    queue = cups_queue
    from reportlab.pdfgen.canvas import Canvas
    pdf = tmp_path / "page.pdf"
    c = Canvas(str(pdf))
    c.drawString(100, 700, "kiosk print test page")
    c.save()
    proc = kiosk("print", str(pdf), "--printer", queue, "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["state"] == "completed"
    missing = kiosk("print", str(pdf), "--printer", "no-such-queue-xyz", "--json")
    assert missing.returncode == 4
    assert json.loads(missing.stdout)["reason"] == "queue-missing"
