"""The sync worker's backoff: tenacity's capped exponential, jitter drawn from the worker's rng,
bounds and spread."""

from __future__ import annotations

import random
import statistics

from hypothesis import given
from hypothesis import strategies as st
from tenacity import RetryCallState, Retrying, wait_exponential, wait_random_exponential

from offline_cache.sync import Backoff


def window(backoff: Backoff, attempts: int) -> float:
    """min(max, base * 2^(n-1)) for the n-th attempt, the first one waiting at most `base`."""
    # Past 2^1000 every cap in these tests has long been reached; it keeps the float finite.
    return min(backoff.max_s, backoff.base_s * 2.0 ** min(max(attempts - 1, 0), 1000))


@given(base=st.floats(0.001, 600), cap=st.floats(0.001, 3600), attempts=st.integers(0, 2000),
       seed=st.integers(0, 2**32))
def test_every_delay_is_within_the_upper_half_of_the_window(base: float, cap: float,
                                                             attempts: int, seed: int) -> None:
    backoff = Backoff(base_s=base, max_s=cap)
    delay = backoff.delay(attempts, random.Random(seed))
    w = window(backoff, attempts)
    assert 0 <= w / 2 <= delay <= w * (1 + 1e-12)


def test_the_window_doubles_then_stays_at_the_cap() -> None:
    backoff = Backoff(base_s=1, max_s=60)
    highs = [max(backoff.delay(n, random.Random(s)) for s in range(200)) for n in range(1, 10)]
    assert [round(h) for h in highs] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_delays_spread_over_the_window_so_terminals_do_not_retry_in_lockstep() -> None:
    backoff = Backoff(base_s=1, max_s=300)
    delays = [backoff.delay(4, random.Random(terminal)) for terminal in range(2000)]
    assert len(set(delays)) == len(delays)
    quarters = [sum(4 + i * 1 <= d < 4 + (i + 1) * 1 for d in delays) for i in range(4)]
    assert all(400 <= q <= 600 for q in quarters), quarters  # uniform over [4, 8)
    assert abs(statistics.mean(delays) - 6) < 0.1


def test_the_same_seed_gives_the_same_delays() -> None:
    backoff = Backoff(base_s=2, max_s=120)
    first = [backoff.delay(n, random.Random(7)) for n in range(12)]
    assert first == [backoff.delay(n, random.Random(7)) for n in range(12)]


def test_same_draw_as_tenacitys_own_strategies_on_the_same_seed() -> None:
    """w/2 + tenacity's full jitter over w/2, as tenacity itself composes it: Backoff only
    swaps the process-wide `random` for the worker's own generator."""
    base, cap = 0.5, 45.0
    tenacity_wait = (wait_exponential(multiplier=base / 2, max=cap / 2)
                     + wait_random_exponential(multiplier=base / 2, max=cap / 2))
    state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
    saved = random.getstate()
    try:
        for attempt in range(1, 15):
            state.attempt_number = attempt
            random.seed(attempt)
            expected = tenacity_wait(state)
            assert Backoff(base_s=base, max_s=cap).delay(attempt, random.Random(attempt)) \
                == expected
    finally:
        random.setstate(saved)
