"""`kiosk camera snap`: a picture from a video file, and each documented exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import pytest

from devices.camera.opencv import OpenCVCamera
from kiosk.cli import main
from kiosk.cli.exit_codes import ExitCode

ROOT = Path(__file__).resolve().parents[3]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["camera", "snap", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_snap_from_a_video_file_with_the_face_check(tmp_path: Path, face_video: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "snap.jpg"
    code, report = _run(capsys, str(out), "--source", str(face_video), "--face")
    assert code == ExitCode.OK, report
    assert report["ok"] and (report["width"], report["height"]) == (640, 480)
    assert report["face"]["reason"] == "ok"  # type: ignore[index]  # JSON: a dict, unchecked
    assert cv2.imread(str(out)).shape == (480, 640, 3)


def test_face_check_failure_still_saves(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    code, report = _run(capsys, str(tmp_path / "s.jpg"), "--backend", "simulated", "--face")
    assert code == ExitCode.NOT_OK
    assert report["face"]["message"] == "请正对摄像头"  # type: ignore[index]  # a dict, unchecked
    assert (tmp_path / "s.jpg").stat().st_size > 0


def test_exit_codes(tmp_path: Path, face_video: Path,
                    capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "x.jpg")
    assert _run(capsys, out, "--source", "97")[0] == ExitCode.OFFLINE
    assert _run(capsys, out, "--source", str(tmp_path / "none.avi"))[0] == ExitCode.OFFLINE
    with OpenCVCamera(str(face_video)):
        code, report = _run(capsys, out, "--source", str(face_video))
        assert (code, report["reason"]) == (ExitCode.BUSY, "busy")
    code, report = _run(capsys, out, "--source", str(face_video), "--warmup", "20")
    assert (code, report["reason"]) == (ExitCode.TIMEOUT, "end-of-stream")
    code, _ = _run(capsys, str(tmp_path / "no" / "dir" / "x.jpg"), "--source", str(face_video))
    assert code == ExitCode.FAILED


def test_the_installed_command_prints_plain_text(tmp_path: Path, face_video: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "kiosk", "camera", "snap",
                           str(tmp_path / "a.jpg"), "--source", str(face_video)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "saved" in done.stdout and "640×480" in done.stdout
    bad = subprocess.run([sys.executable, "-m", "kiosk", "camera", "snap", "x.jpg",
                          "--backend", "nope"], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == ExitCode.USAGE
