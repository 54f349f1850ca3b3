"""`python -m fuzzing` (make fuzz): counts per target, exit codes, failures kept and replayed."""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzing import runner
from fuzzing.source import Contained, Source, Target, input_for


def _numbers(src: Source) -> int:
    return src.num(0, 999)


def _picky(value: int) -> bool:
    if value % 97 == 0:
        raise KeyError(value)  # the kind of exception a parser must never let out
    assert value % 89 != 0, "broken property"
    return value % 2 == 0


@pytest.fixture()
def picky(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setitem(runner.TARGETS, "picky", Target("picky", "test", _numbers, _picky))
    monkeypatch.setitem(runner.TARGETS, "calm",
                        Target("calm", "test", _numbers, lambda v: v % 97 != 0 or v % 2 == 0))
    return "picky"


def test_untyped_exceptions_fail_the_run_and_are_kept(
        picky: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = runner.main([picky, "-n", "6000", "--seed", "3", "--jobs", "1",
                        "--failures", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1 and "FAILED" in out
    line = next(x for x in out.splitlines() if x.startswith("picky"))
    assert "6,000 inputs" in line and " 0 untyped" not in line and " 0 broken" not in line
    kept = sorted(tmp_path.iterdir())
    assert kept and all(p.name.startswith("picky-3-") for p in kept)
    # The index in a kept file's name gives back the very input that failed.
    index = int(kept[0].stem.rsplit("-", 1)[1])
    value = input_for(_numbers, 3, index)
    assert value % 97 == 0 or value % 89 == 0
    assert f"--seed 3 --replay {index}" in kept[0].read_text(encoding="utf-8")


def test_a_clean_short_run_reports_counts_but_is_not_a_full_run(
        picky: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = runner.main(["calm", "-n", "12000", "--seed", "3", "--jobs", "1"])
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("calm"))
    assert "12,000 inputs" in line and "0 untyped exceptions  0 broken properties" in line
    accepted, rejected = (int(line.split()[i].replace(",", "")) for i in (3, 5))
    assert accepted + rejected == 12_000 and accepted > rejected > 0
    assert code == 3 and "SHORT RUN" in out


def test_worker_processes_count_the_same_as_one_process(
        capsys: pytest.CaptureFixture[str]) -> None:
    runner.main(["id_number", "-n", "12000", "--seed", "9", "--jobs", "2"])
    two = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("id_number"))
    one = runner.run_target("id_number", 12_000, 9, None)[0]
    assert f"{one.accepted:,} accepted" in two and f"{one.rejected:,} typed rejections" in two
    assert "12,000 inputs" in two


def test_the_same_seed_draws_the_same_inputs() -> None:
    first = runner.run_chunk("qr_payload", 11, 0, 200)
    again = runner.run_chunk("qr_payload", 11, 0, 200)
    other = runner.run_chunk("qr_payload", 12, 0, 200)
    assert (first.accepted, first.rejected) == (again.accepted, again.rejected)
    assert first.inputs == other.inputs == 200


def test_unknown_targets_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        runner.main(["no_such_parser", "-n", "1"])
    assert "targets: ga467_stream" in capsys.readouterr().err


def test_a_dying_worker_is_one_failure_and_the_rest_is_still_counted(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A native crash breaks the whole pool; before, every chunk still queued was reported as
    a dead worker and none of them was counted."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from tests.fuzz import crashing

    crashing.register()
    monkeypatch.setattr(runner, "WORKER_INITIALIZER", crashing.register)
    try:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=crashing.register) as pool:
            tally, _ = runner.run_target("crashy", 20_000, crashing.SEED, pool)
    finally:
        del runner.TARGETS["crashy"]
    assert tally.inputs == 15_000  # every chunk but the crashing one, counted in full
    died = [text for _, text in tally.failures if "died in inputs 5000..9999" in text]
    assert died and tally.untyped == 2  # the crash, then the same chunk again on its own


def _crashy(value: int) -> bool:
    if value % 101 == 0:
        raise Contained("the worker died")  # what fuzzing/camera.py raises for a native crash
    return value % 2 == 0


def test_contained_crashes_are_counted_apart_and_listed(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(runner.TARGETS, "crashy", Target("crashy", "test", _numbers, _crashy))
    code = runner.main(["crashy", "-n", "3000", "--seed", "3", "--jobs", "1",
                        "--failures", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 3  # a clean short run: contained crashes are not failures
    line = next(x for x in out.splitlines() if x.startswith("crashy"))
    assert " 0 untyped" in line and " 0 broken" in line
    listed = next(x for x in out.splitlines() if "contained" in x)
    crashed = [i for i in range(3000) if input_for(_numbers, 3, i) % 101 == 0]
    assert crashed and f"{len(crashed):,} native crash(es)" in listed
    assert str(crashed[0]) in listed
