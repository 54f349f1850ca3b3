"""References nobody can guess, with a check character; lookups by reference are rationed."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest
import requests
from sandbox_helpers import assert_problem

from sandbox.rate_limit import TokenBuckets
from sandbox.testing import run_sandbox
from services.references import ALPHABET, is_valid_reference, new_reference
from services.schemas import PROBLEM_RATE_LIMITED

DAY = date(2026, 12, 2)


def test_a_reference_has_the_day_five_random_characters_and_a_check() -> None:
    refs = {new_reference("YY", DAY) for _ in range(2000)}
    # Random, not a counter: 31⁵ values a day, so 2,000 draws share one now and then (about
    # 7 % of runs), ten clashes never.
    assert len(refs) >= 1990
    for ref in refs:
        assert ref.startswith("YY261202") and len(ref) == 14 and is_valid_reference(ref)


def test_every_single_typo_and_neighbour_swap_is_caught() -> None:
    for _ in range(200):
        ref = new_reference("YY", DAY)
        for i in range(2, len(ref)):
            for c in ("0123456789" if i < 8 else ALPHABET):
                if c != ref[i]:
                    assert not is_valid_reference(ref[:i] + c + ref[i + 1:]), (ref, i, c)
        for i in range(8, len(ref) - 1):
            if ref[i] != ref[i + 1]:
                swapped = ref[:i] + ref[i + 1] + ref[i] + ref[i + 2:]
                assert not is_valid_reference(swapped), (ref, i)


@pytest.mark.parametrize("text", ["", "YY2612020001", "YY261202ABCDE0", "yy261202abcdef",
                                  "YY261202OOOOOO", "YY２６１２０２ABCDEF"])
def test_malformed_references_are_not_valid(text: str) -> None:
    assert not is_valid_reference(text)


def test_the_buckets_ration_each_terminal_on_its_own() -> None:
    now = [0.0]
    buckets = TokenBuckets(burst=3, per_second=0.5, clock=lambda: now[0])
    assert [buckets.take(b"a") for _ in range(3)] == [None, None, None]
    assert buckets.take(b"a") == 2  # one token back after 2 s
    assert buckets.take(b"b") is None  # another terminal is not held up
    now[0] += 2
    assert buckets.take(b"a") is None


def test_guessing_references_is_stopped_with_429_and_retry_after(tmp_path: Path) -> None:
    # A sandbox of its own: the guesses use up this terminal's lookups.
    with run_sandbox(tmp_path / "guess.db", tokens=["guesser"]) as handle:
        auth = {"Authorization": "Bearer guesser"}

        def lookup() -> requests.Response:
            guess = new_reference("YY", DAY)  # valid-looking, nearly surely unknown
            return requests.get(f"{handle.url}/v1/bookings/{guess}", headers=auth, timeout=10)
        answers = [lookup() for _ in range(60)]
        limited = [r for r in answers if r.status_code == 429]
        assert limited, "60 lookups in a row were all answered"
        body = assert_problem(limited[0], 429, PROBLEM_RATE_LIMITED)
        assert int(limited[0].headers["Retry-After"]) >= 1 and body["title"]
        assert all(r.status_code in (404, 429) for r in answers)
        time.sleep(int(limited[0].headers["Retry-After"]))
        assert lookup().status_code == 404
