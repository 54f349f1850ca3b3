"""The real Kivy app, offscreen (no X), driven by touches through a whole booking."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from devices.idcard.simulated import load_residents
from kiosk.printouts.slip import ELDERLY
from tests.slip_pdf import pdf_words, scan_qr, word_height

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path, platform: Any, slips: Path, *, orientation: str = "portrait",
                 idle: int = 90, idcard: str = 'backend = "simulated"', extra: str = "") -> None:
    path.write_text(f"""
[platform]
url = "{platform.url}"
token = "{platform.token}"

[terminal]
name = "测试终端"

[devices.idcard]
{idcard}

[devices.printer]
backend = "simulated"
out_dir = "{slips}"

[outbox]
db = "{path.parent / 'outbox.db'}"

[ui]
orientation = "{orientation}"
fullscreen = false
scale = 0.75
demo = true

[timeouts]
idle = {idle}
warning = 20
{extra}
""", encoding="utf-8")


def run_script(tmp_path: Path, platform: Any, script: str, *extra: str,
               orientation: str = "portrait", **config: Any) -> tuple[dict, Path, str]:
    cfg, slips = tmp_path / "kiosk.toml", tmp_path / "slips"
    write_config(cfg, platform, slips, orientation=orientation, **config)
    result, logs = run_app(tmp_path, cfg, script, *extra)
    return result, slips, logs


def run_app(tmp_path: Path, cfg: Path, script: str, *extra: str) -> tuple[dict, str]:
    """Run one scripted session of the real app offscreen; its result and everything logged."""
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    # Offscreen EGL through Kivy's bundled SDL; a private KIVY_HOME keeps its log for the
    # privacy scans.
    env.update(KIVY_HOME=str(tmp_path / "kivy-home"), KIVY_NO_ARGS="1")
    proc = subprocess.run([sys.executable, "-m", "tests.e2e.scripted_main", "--config", str(cfg),
                           "--out", str(out), "--script", script, *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    result_file = out / "result.json"
    assert result_file.exists(), \
        f"app did not report (rc={proc.returncode}):\n{proc.stderr[-4000:]}"
    result = json.loads(result_file.read_text(encoding="utf-8"))
    assert result["error"] is None, result["error"]
    logs = proc.stdout + proc.stderr
    for log_file in (tmp_path / "kivy-home").rglob("*.txt"):
        logs += log_file.read_text(encoding="utf-8", errors="replace")
    return result, logs


def assert_not_blank(png: str) -> None:
    with Image.open(png) as img:
        rgb = img.convert("RGB")
        stat = ImageStat.Stat(rgb)
        colours = rgb.getcolors(maxcolors=1_000_000) or []
    assert max(stat.stddev) > 10, f"{png} looks blank"
    assert len(colours) > 50, f"{png} has almost no detail (text missing?)"


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.mark.kivy
def test_resident_books_a_slot_and_gets_a_slip(tmp_path: Path, fresh_platform: Any) -> None:
    person = load_residents()[0]
    result, slips, logs = run_script(tmp_path, fresh_platform, "booking", "--resident", "0")
    facts = result["facts"]
    names = [Path(s).stem for s in result["shots"]]
    assert names == ["01-attract", "02-home", "03-identify", "04-item", "05-slot",
                     "06-confirm", "07-done"]
    for shot in result["shots"]:
        assert_not_blank(shot)
    assert facts["printed"] is True
    assert facts["reference"]
    assert facts["type_scale"] == 1.0 and facts["min_target_dp"] >= 60
    assert "社" in facts["item_text"]
    assert facts["home_tiles_clipped"] == [] and facts["header_title_fits"] is True
    # The attract screen names what works on this terminal and nothing that does not.
    shown = "\n".join(facts["attract_texts"])
    assert "办事预约" in shown
    for missing in ("查询", "打印", "缴费", "好差评"):
        assert missing not in shown, (missing, shown)
    # Six quick taps on one digit type it once; 取消 is not offered once the booking is sent.
    assert facts["phone_after_burst"] == "1"
    assert facts["confirm_cancel_offered"] is False
    # Masked on screen, never whole.
    assert person.name not in facts["confirm_summary"]
    assert person.id_number not in facts["confirm_summary"]
    assert person.id_number[-4:] in facts["confirm_summary"]
    # The slip was printed, with the reference and the masked name only.
    pdfs = sorted(slips.glob("*.pdf"))
    assert len(pdfs) == 1
    text = pdf_text(pdfs[0])
    assert facts["reference"] in text
    assert person.name not in text and person.id_number not in text
    # A code the hall's scanner reads, and no promise of a service the terminal lacks.
    assert scan_qr(pdfs[0], 80) == facts["reference"]
    assert "12345" in text and "使用自助终端" not in text
    # The platform has the booking.
    import requests
    r = requests.get(f"{fresh_platform.url}/v1/bookings/{facts['reference']}",
                     headers={"Authorization": f"Bearer {fresh_platform.token}"}, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "confirmed"
    # Back on the attract screen with nothing of the resident left.
    assert facts["wiped"] is True
    # No personal data in any log of the run: the app's, Kivy's and the platform's.
    if fresh_platform.log_path is not None:
        logs += Path(fresh_platform.log_path).read_text(encoding="utf-8", errors="replace")
    for secret in (person.name, person.id_number, person.phone or "\0"):
        assert secret not in logs


@pytest.mark.kivy
@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_elderly_mode(tmp_path: Path, fresh_platform: Any, orientation: str) -> None:
    result, slips, _logs = run_script(tmp_path, fresh_platform, "booking", "--resident", "1",
                                      "--elderly", orientation=orientation)
    for shot in result["shots"]:
        assert_not_blank(shot)
        with Image.open(shot) as img:
            assert (img.width > img.height) is (orientation == "landscape")
    facts = result["facts"]
    # Home fits the screen: no tile cut off, the header title whole and still large.
    assert facts["home_tiles_clipped"] == [] and facts["header_title_fits"] is True
    assert facts["header_title_dp"] >= 30
    assert facts["printed"] is True
    pdfs = list(slips.glob("*.pdf"))
    assert len(pdfs) == 1
    # 长辈模式: type at least 1.5x, every touch target at least 60 dp.
    assert facts["type_scale"] >= 1.5
    assert facts["min_target_dp"] >= 60
    # ... and the slip of the session is the large-type one (the normal one sets the
    # reference at 28 pt), its code still read.
    assert word_height(pdf_words(pdfs[0]), facts["reference"]) >= 0.9 * ELDERLY.reference
    assert scan_qr(pdfs[0], 80) == facts["reference"]


@pytest.mark.kivy
def test_idle_warning_counts_down_then_wipes(tmp_path: Path, shared_platform: Any) -> None:
    result, _slips, _logs = run_script(tmp_path, shared_platform, "idle")
    facts = result["facts"]
    assert facts["identified"] is True
    assert 0 < facts["warning_seconds"] <= 20
    assert facts["extended_still_identified"] is True
    assert facts["wiped"] is True
    assert_not_blank(result["shots"][0])


@pytest.mark.kivy
def test_unplugged_reader_disables_only_booking_and_says_why(tmp_path: Path,
                                                             shared_platform: Any) -> None:
    result, _slips, _logs = run_script(
        tmp_path, shared_platform, "reader_down", orientation="landscape",
        idcard='backend = "ga467"\nport = "/dev/ttyKIOSK-NOT-THERE"')
    facts = result["facts"]
    # All eleven tiles whole on a landscape screen, none hidden below the fold.
    assert facts["home_tiles_clipped"] == [] and facts["header_title_fits"] is True
    assert "身份证读卡器" in facts["booking_reason"] and "人工窗口" in facts["booking_reason"]
    assert "现在无法办理" in facts["dialog"] and facts["still_home"] is True
    # A coming service's dialog does not point to booking while booking cannot work either.
    assert "即将开放" in facts["coming_dialog"] and "办事预约" not in facts["coming_dialog"]
    assert_not_blank(result["shots"][0])


@pytest.mark.kivy
def test_resident_identifies_with_the_app_qr_code(tmp_path: Path, shared_platform: Any) -> None:
    person = load_residents()[-1]
    result, _slips, logs = run_script(tmp_path, shared_platform, "app_qr",
                                      extra='[devices.camera]\nbackend = "simulated"\n')
    facts = result["facts"]
    assert facts["kind"] == "app_qr"
    assert facts["greeting"].startswith(person.name[0]) and "*" in facts["greeting"]
    assert person.name not in logs and person.id_number not in logs
    assert_not_blank(result["shots"][0])
