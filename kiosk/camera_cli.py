"""`kiosk camera snap OUT.jpg`: take one picture from the camera, for field technicians.

Exit codes (also with --json):
  0  the picture was saved (and with --face: the face check passed)
  2  usage or configuration error (unknown backend, bad option)
  3  the camera is offline or unusable (no device, no permission, stream unreachable,
     OpenCV missing)
  4  the camera is busy (another program or process holds it)
  5  no frame arrived before the timeout (stalled device, end of a video file)
  6  the picture could not be written to OUT
  7  --face: the picture was saved but the face check failed (reason in the output)
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

EXIT_OK, EXIT_USAGE, EXIT_OFFLINE, EXIT_BUSY, EXIT_NO_FRAME, EXIT_WRITE, EXIT_FACE = (
    0, 2, 3, 4, 5, 6, 7)


def add_parser(sub: Any) -> None:
    camera = sub.add_parser("camera", help="camera diagnostics")
    csub = camera.add_subparsers(dest="camera_command", required=True)
    snap = csub.add_parser("snap", help="save one picture from the camera as JPEG",
                           description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    snap.add_argument("out", metavar="OUT.jpg", help="where to write the JPEG")
    snap.add_argument("--source", default="0",
                      help="device index (0), /dev/videoN, a video file or a stream URL")
    snap.add_argument("--backend", choices=("opencv", "simulated"), default="opencv")
    snap.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for a frame")
    snap.add_argument("--warmup", type=int, default=None,
                      help="frames to drop first so exposure settles (default 5 for a device, "
                           "0 for a file)")
    snap.add_argument("--face", action="store_true",
                      help="also run the face quality check on the picture")
    snap.add_argument("--json", action="store_true", help="one JSON object on stdout")
    snap.set_defaults(handler=run)


def _exit_code(error: DeviceError) -> int:
    if isinstance(error, CameraBusy):
        return EXIT_BUSY
    if isinstance(error, DeviceTimeout):
        return EXIT_NO_FRAME
    if isinstance(error, DeviceUnusable) and error.reason == "bad-config":
        return EXIT_USAGE
    if isinstance(error, (DeviceOffline, DeviceUnusable)):
        return EXIT_OFFLINE
    return EXIT_OFFLINE


def snap(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """Do the work; return the exit code and what to print."""
    source: int | str = int(args.source) if args.source.strip().isdigit() else args.source
    shown = redact_source(source) if args.backend == "opencv" else "simulated"
    report: dict[str, Any] = {"backend": args.backend, "source": shown, "out": args.out}
    try:
        options = {"source": source} if args.backend == "opencv" else {}
        camera = make_camera(args.backend, options)
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
        return EXIT_WRITE, report
    report["ok"] = True
    if args.face:
        from devices.camera.face import check_quality
        quality = check_quality(frame)
        report["face"] = {"ok": quality.ok, "reason": quality.reason, "message": quality.message,
                          "metrics": {k: round(v, 3) for k, v in quality.metrics.items()}}
        if not quality.ok:
            return EXIT_FACE, report
    return EXIT_OK, report


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
