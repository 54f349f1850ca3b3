"""`kiosk camera snap OUT.jpg`: take one picture from the camera, for field technicians.

Exit codes (also with --json): `EXIT_CODES` below, numbers from the one table in exit_codes.py.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from devices.base import DeviceError, DeviceOffline, DeviceTimeout, DeviceUnusable
from devices.camera.base import CameraBusy, encode_jpeg, redact_source
from devices.registry import make_camera
from kiosk.config import ConfigError

from .config_file import add_config_option, config_path, load
from .exit_codes import ExitCode, describe

EXIT_CODES: dict[str, dict[ExitCode, str]] = {
    "camera snap": {
        ExitCode.OK: "the picture was saved (and with --face: the face check passed)",
        ExitCode.NOT_OK: "--face: the picture was saved but the face check failed (reason in "
                         "the output)",
        ExitCode.USAGE: "bad flags or options, the config file missing or wrong, or no camera "
                        "in it",
        ExitCode.TIMEOUT: "no frame arrived before --timeout (stalled device, end of a video "
                          "file)",
        ExitCode.OFFLINE: "the camera is offline or unusable (no device, no permission, stream "
                          "unreachable, OpenCV missing)",
        ExitCode.FAILED: "the picture could not be written to OUT",
        ExitCode.BUSY: "the camera is busy (another program or process holds it)",
    },
}
SNAP_HELP = """Save one picture from the camera as JPEG.

Without --source and --backend the camera is devices.camera of the config file (--config, else
$KIOSK_CONFIG, else /etc/kiosk/kiosk.toml); with either, the config is read only when given."""


def add_parsers(sub: Any) -> None:
    camera = sub.add_parser("camera", help="camera diagnostics")
    csub = camera.add_subparsers(dest="camera_command", required=True)
    snap = csub.add_parser("snap", help="save one picture from the camera as JPEG",
                           description=SNAP_HELP, epilog=describe(EXIT_CODES["camera snap"]),
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    snap.add_argument("out", metavar="OUT.jpg", help="where to write the JPEG")
    snap.add_argument("--source",
                      help="device index (0), /dev/videoN, a video file or a stream URL "
                           "(default: devices.camera.source of the config, else 0)")
    snap.add_argument("--backend", choices=("opencv", "simulated"),
                      help="default: devices.camera.backend of the config, else opencv")
    add_config_option(snap, ": the camera, when neither --source nor --backend is given")
    snap.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a frame")
    snap.add_argument("--warmup", type=int, default=None,
                      help="frames to drop first so exposure settles (default 5 for a device, "
                           "0 for a file)")
    snap.add_argument("--face", action="store_true",
                      help="also run the face quality check on the picture")
    snap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    snap.set_defaults(handler=run)


def _exit_code(error: DeviceError) -> ExitCode:
    if isinstance(error, CameraBusy):
        return ExitCode.BUSY
    if isinstance(error, DeviceTimeout):
        return ExitCode.TIMEOUT
    if isinstance(error, DeviceUnusable) and error.reason == "bad-config":
        return ExitCode.USAGE
    if isinstance(error, (DeviceOffline, DeviceUnusable)):
        return ExitCode.OFFLINE
    return ExitCode.OFFLINE


def _camera(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The backend and its options: from the flags, else from the config's devices.camera;
    ConfigError when the config is needed and missing, wrong or has no camera."""
    backend = args.backend or ("opencv" if args.source is not None else None)
    options: dict[str, Any] = {}
    if args.config or backend is None:
        cam = load(args.config).devices.camera
        if cam is None and backend is None:
            raise ConfigError(f"{config_path(args.config)[0]} has no [devices.camera]; give "
                              "--source or --backend")
        if cam is not None and backend in (None, cam.backend):
            backend, options = cam.backend, cam.backend_options()
    backend = backend or "opencv"
    if backend == "opencv":
        raw = args.source if args.source is not None else options.get("source", 0)
        text = str(raw)
        options = {**options, "source": int(text) if text.strip().isdigit() else raw}
    return backend, options


def snap(args: argparse.Namespace) -> tuple[ExitCode, dict[str, Any]]:
    """Do the work; return the exit code and what to print."""
    try:
        backend, options = _camera(args)
    except ConfigError as exc:
        return ExitCode.USAGE, {"backend": args.backend, "out": args.out, "ok": False,
                                "error": "ConfigError", "reason": "bad-config",
                                "message": str(exc)}
    source: int | str = options.get("source", "simulated")
    shown = redact_source(source) if backend == "opencv" else "simulated"
    report: dict[str, Any] = {"backend": backend, "source": shown, "out": args.out}
    try:
        camera = make_camera(backend, options)
        camera.open()
        try:
            live_device = isinstance(source, int) or str(source).startswith("/dev/")
            warmup = args.warmup if args.warmup is not None else (5 if live_device else 0)
            for _ in range(max(0, warmup)):
                camera.read(timeout=args.timeout)
            frame = camera.read(timeout=args.timeout)
        finally:
            camera.close()
    except DeviceError as exc:
        report.update(ok=False, error=type(exc).__name__, reason=exc.reason, message=str(exc))
        return _exit_code(exc), report
    report.update(width=int(frame.shape[1]), height=int(frame.shape[0]))
    try:
        Path(args.out).write_bytes(encode_jpeg(frame))
    except (OSError, DeviceError) as exc:
        report.update(ok=False, error=type(exc).__name__, reason="write-failed",
                      message=f"cannot write {args.out}: {exc.__class__.__name__}")
        return ExitCode.FAILED, report
    report["ok"] = True
    if args.face:
        from devices.camera.face import check_quality
        quality = check_quality(frame)
        report["face"] = {"ok": quality.ok, "reason": quality.reason, "message": quality.message,
                          "metrics": {k: round(v, 3) for k, v in quality.metrics.items()}}
        if not quality.ok:
            return ExitCode.NOT_OK, report
    return ExitCode.OK, report


def run(args: argparse.Namespace) -> int:
    code, report = snap(args)
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    elif report.get("ok"):
        print(f"saved {report['out']} ({report['width']}×{report['height']}) "
              f"from {report['source']}")
        if "face" in report:
            face = report["face"]
            print(f"face check: {face['reason']} — {face['message']}")
    else:
        print(f"kiosk camera snap: {report['reason']}: {report['message']}", file=sys.stderr)
    if report.get("reason") == "no-frames":
        # A driver stuck inside read() cannot be unwound, and interpreter shutdown could abort
        # around it: leave at once with the documented code.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code
