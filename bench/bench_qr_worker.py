"""Benchmark: a camera frame's QR decode in the app's worker process (IsolatedQrDecoder) against
`decode_qr` in process, per frame; plus what the pipe alone costs and what a restart costs."""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from collections.abc import Callable

import cv2
import numpy as np
import segno

from devices.camera.base import Frame
from devices.camera.qr import QrDecoderCrashed, decode_qr
from devices.camera.qr_worker import IsolatedQrDecoder

PAYLOAD = "JHZW1:q3Vx_9kLm-2ZpTr8sYw0AbCd:1795752085"


def camera_frame(width: int, height: int, with_code: bool) -> Frame:
    """A grey frame with a phone-like dark rectangle, holding a 260-pixel code or not."""
    frame = np.full((height, width, 3), 120, np.uint8)
    cx, cy = width // 2, height // 2
    cv2.rectangle(frame, (cx - 150, cy - 200), (cx + 150, cy + 200), (30, 30, 30), -1)
    if with_code:
        qr = segno.make_qr(PAYLOAD, error="m")
        dark = np.array(qr.matrix, dtype=bool)
        matrix = np.pad(np.where(dark, 0, 255).astype(np.uint8), 4, constant_values=255)
        code = cv2.resize(matrix, (260, 260), interpolation=cv2.INTER_NEAREST)
        frame[cy - 130:cy + 130, cx - 130:cx + 130] = cv2.cvtColor(code, cv2.COLOR_GRAY2BGR)
    return frame


def nothing(_frame: Frame) -> list[str]:
    """A decoder that does no work: what is left is the cost of the trip to the worker."""
    return []


def crash_on_small(frame: Frame) -> list[str]:
    import os
    if frame.shape[0] < 64:
        os.abort()
    return []


def per_frame_ms(decode: Callable[[Frame], list[str]], frame: Frame, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter_ns()
        decode(frame)
        out.append((time.perf_counter_ns() - start) / 1e6)
    return out


def median_ms(decode: Callable[[Frame], list[str]], frame: Frame, n: int, rounds: int,
              other: Callable[[Frame], list[str]]) -> tuple[float, float]:
    """Median ms per frame of `decode` and of `other`, interleaved in rounds so that load
    from other work on the machine falls on both alike."""
    assert decode(frame) == other(frame)
    mine: list[float] = []
    theirs: list[float] = []
    for _ in range(rounds):
        mine += per_frame_ms(decode, frame, n)
        theirs += per_frame_ms(other, frame, n)
    return statistics.median(mine), statistics.median(theirs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=40, help="frames per round and case")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    # The restart below is meant: its warning would only interleave with the table.
    logging.getLogger("devices.camera.qr_worker").setLevel(logging.ERROR)
    print(f"ms per frame, median of {args.n * args.rounds} "
          f"(wall time: the work happens in another process)")
    print(f"{'':<34}{'in process':>11}{'worker':>9}{'ratio':>8}{'pipe alone':>12}")
    ratios = []
    with IsolatedQrDecoder() as real, IsolatedQrDecoder(nothing) as pipe:
        for w, h in ((640, 480), (1280, 720)):
            for with_code in (True, False):
                frame = camera_frame(w, h, with_code)
                assert decode_qr(frame) == ([PAYLOAD] if with_code else [])
                base, project = median_ms(decode_qr, frame, args.n, args.rounds, real)
                _, trip = median_ms(nothing, frame, args.n, args.rounds, pipe)
                label = f"{w}x{h}, " + ("a code" if with_code else "no code (4 looks)")
                print(f"{label:<34}{base:>11.2f}{project:>9.2f}{project / base:>7.2f}x"
                      f"{trip:>12.2f}")
                ratios.append(project / base)
    print("\nworker start and restart (spawn, importing numpy and OpenCV), wall s:")
    frame = camera_frame(640, 480, True)
    with IsolatedQrDecoder(crash_on_small) as crashy:
        start = time.perf_counter()
        crashy(frame)
        print(f"  first frame of a new decoder (start included) {time.perf_counter() - start:.2f}")
        small = np.zeros((32, 32, 3), np.uint8)
        start = time.perf_counter()
        try:
            crashy(small)
        except QrDecoderCrashed:
            pass
        crashy(frame)
        print(f"  a crash, then the next frame (restart)         {time.perf_counter() - start:.2f}")
    print(f"\nin the worker vs in process, per frame: {min(ratios):.2f}x to {max(ratios):.2f}x "
          f"(median of the four cases {statistics.median(ratios):.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
