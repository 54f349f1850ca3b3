"""`make fuzz`: every target's check on ≥1,000,000 seeded random inputs, over all cores."""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Callable
from typing import Any

from fuzzing.source import Contained, RandomSource, Target, input_for
from fuzzing.targets import TARGETS

FULL_RUN = 1_000_000
CHUNK = 5_000
#: Failures kept per chunk: one bug usually fails thousands of inputs the same way.
KEEP = 3


@dataclass
class Tally:
    """Outcomes of a run of one target (or a chunk of it)."""

    inputs: int = 0
    accepted: int = 0
    rejected: int = 0
    untyped: int = 0
    violations: int = 0
    #: Native crashes the app's isolation survived (e.g. inside OpenCV): the inputs' indexes.
    contained: list[int] = field(default_factory=list)
    failures: list[tuple[int, str]] = field(default_factory=list)  # (index, report)

    def add(self, other: Tally) -> None:
        self.inputs += other.inputs
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.untyped += other.untyped
        self.violations += other.violations
        self.contained += other.contained
        self.failures += other.failures[:max(0, 10 - len(self.failures))]


def run_one(target: Target[Any], value: Any, tally: Tally, index: int) -> None:
    """One input through `target.check`, counted; a failure is kept with its traceback."""
    tally.inputs += 1
    try:
        accepted = target.check(value)
    except AssertionError:
        tally.violations += 1
        _keep(tally, index, value)
    except Contained:
        tally.contained.append(index)
    except Exception:  # noqa: BLE001  # anything the parser does not document is the finding
        tally.untyped += 1
        _keep(tally, index, value)
    else:
        if accepted:
            tally.accepted += 1
        else:
            tally.rejected += 1


def _keep(tally: Tally, index: int, value: Any) -> None:
    """Called while the failure is being handled, so that format_exc() has its traceback."""
    if len(tally.failures) < KEEP:
        tally.failures.append((index, f"input: {value!r:.4000}\n{traceback.format_exc()}"))


def run_chunk(name: str, seed: int, start: int, count: int) -> Tally:
    """Inputs start .. start+count-1 of `name` for `seed` (each one replayable by index)."""
    target, tally = TARGETS[name], Tally()
    rng = random.Random()
    src = RandomSource(rng)
    for index in range(start, start + count):
        rng.seed(seed * 10_000_019 + index)  # the same as input_for(seed, index)
        try:
            value = target.generate(src)
        except Exception:  # noqa: BLE001  # a generator bug: reported, never hidden
            tally.inputs += 1
            tally.untyped += 1
            tally.failures.append((index, "generator failed\n" + traceback.format_exc()))
            continue
        run_one(target, value, tally, index)
    return tally


def _quiet_worker() -> None:
    try:
        import cv2
        cv2.setNumThreads(1)  # one process per core already: no threads on top
    except ImportError:
        pass


#: Run first in every worker process (a test puts its own targets in the workers with it).
WORKER_INITIALIZER: Callable[[], None] = _quiet_worker


def run_target(name: str, n: int, seed: int, pool: ProcessPoolExecutor | None
               ) -> tuple[Tally, float]:
    """All `n` inputs of `name`, in chunks over `pool` (in this process when None)."""
    tally, began = Tally(), time.monotonic()
    chunks = [(start, min(CHUNK, n - start)) for start in range(0, n, CHUNK)]
    if pool is None:
        for start, count in chunks:
            tally.add(run_chunk(name, seed, start, count))
        return tally, time.monotonic() - began
    futures = {pool.submit(run_chunk, name, seed, start, count): (start, count)
               for start, count in chunks}
    unfinished: list[tuple[int, int]] = []
    for future in as_completed(futures):
        try:
            tally.add(future.result())
        except BrokenProcessPool:
            unfinished.append(futures[future])
    if unfinished:
        # A worker died (a crash inside a C extension) and took the pool with it: every chunk
        # not finished yet fails alike, so which one crashed is unknown. The crash is one
        # failure; the unfinished chunks then run again one by one, each in a process of its
        # own, so that a crash that comes again is pinned to its chunk and the rest is counted.
        unfinished.sort()
        tally.untyped += 1
        tally.failures.append((unfinished[0][0], "a worker process died while inputs "
                               f"{unfinished[0][0]}.. were running (a crash in native code)"))
        for start, count in unfinished:
            tally.add(_isolated_chunk(name, seed, start, count))
    return tally, time.monotonic() - began


def _isolated_chunk(name: str, seed: int, start: int, count: int) -> Tally:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=WORKER_INITIALIZER) as alone:
        try:
            return alone.submit(run_chunk, name, seed, start, count).result()
        except BrokenProcessPool:
            return Tally(untyped=1, failures=[(start, "the worker process died in inputs "
                                               f"{start}..{start + count - 1}")])


def _pool(jobs: int) -> ProcessPoolExecutor | None:
    # spawn, not fork: a forked copy of a process whose OpenCV thread pool has started (the
    # test suite's) deadlocks in its first cv2 call.
    if jobs <= 1:
        return None
    return ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=WORKER_INITIALIZER)


def _report(name: str, seed: int, tally: Tally, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for index, text in tally.failures:
        path = out / f"{name}-{seed}-{index}.txt"
        path.write_text(f"replay: .venv/bin/python -m fuzzing {name} --seed {seed} "
                        f"--replay {index}\n{text}", encoding="utf-8")
        print(f"    failure kept in {path}", file=sys.stderr)
    print(tally.failures[0][1] if tally.failures else "", file=sys.stderr)


def replay(name: str, seed: int, index: int) -> int:
    """Input `index` of `seed` again, in this process, with the check's full traceback."""
    target = TARGETS[name]
    value = input_for(target.generate, seed, index)
    print(f"input: {value!r}")
    print("accepted" if target.check(value) else "typed rejection")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzzing", description=__doc__)
    parser.add_argument("targets", nargs="*", help=f"default all: {', '.join(TARGETS)}")
    parser.add_argument("-n", type=int, default=FULL_RUN, help="inputs per target")
    parser.add_argument("--seed", type=int, help="default: a new one, printed")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--replay", type=int, metavar="INDEX", help="rerun one input")
    parser.add_argument("--failures", type=Path, default=Path("fuzz-failures"))
    args = parser.parse_args(argv)
    unknown = [t for t in args.targets if t not in TARGETS]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; targets: {', '.join(TARGETS)}")
    names = args.targets or list(TARGETS)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(4), "big")
    if args.replay is not None:
        if len(names) != 1 or args.seed is None:
            parser.error("--replay needs one target and its --seed")
        return replay(names[0], seed, args.replay)
    print(f"fuzzing {len(names)} target(s), {args.n:,} inputs each, seed {seed}, "
          f"{args.jobs} process(es)")
    bad, short, began = False, False, time.monotonic()
    pool = _pool(args.jobs)
    for name in names:
        try:
            tally, seconds = run_target(name, args.n, seed, pool)
        except BrokenProcessPool:
            pool = _pool(args.jobs)  # what was left of the target is lost: counted short
            tally, seconds = Tally(untyped=1), 0.0
        print(f"{name:16} {tally.inputs:>10,} inputs  {tally.accepted:>9,} accepted  "
              f"{tally.rejected:>9,} typed rejections  {tally.untyped} untyped exceptions  "
              f"{tally.violations} broken properties  {seconds:7.1f} s "
              f"({tally.inputs / max(seconds, 1e-9):,.0f}/s)", flush=True)
        if tally.contained:
            # Not a failure of the project: the app's isolation survived them. Listed so that
            # each can be replayed (and reported upstream).
            print(f"{'':16} {len(tally.contained):,} native crash(es) contained by the "
                  f"isolated decoder, inputs {', '.join(map(str, sorted(tally.contained)[:20]))}"
                  f" (--replay INDEX)", flush=True)
        if tally.untyped or tally.violations:
            bad = True
            _report(name, seed, tally, args.failures)
        short = short or tally.inputs < FULL_RUN
    if pool is not None:
        pool.shutdown()
    print(f"total {time.monotonic() - began:.0f} s")
    if bad:
        print("FAILED: untyped exceptions or broken properties (replay lines above)")
        return 1
    if short:
        print(f"SHORT RUN: fewer than {FULL_RUN:,} inputs for some target (not a full run)")
        return 3
    print("OK: every target ran 1,000,000+ inputs with 0 untyped exceptions")
    return 0
