"""Every parser's fuzz property (fuzzing/) under Hypothesis: a bounded, reproducible budget."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from fuzzing.source import Contained, RandomSource
from fuzzing.targets import TARGETS

# derandomize: CI runs the same examples every time, so a red build is never luck; breadth
# comes from `make fuzz`, which draws a new seed each run (docs/fuzzing.md). No database:
# nothing is written into the tree and no earlier failure is replayed out of sight.
BUDGET = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# OpenCV's QR detector upscales every frame to 512 px: ~10 ms an example. The text block has
# the most ways to go wrong (nine fields, lengths, encoding): it gets more examples.
EXAMPLES = {"qr_frame": 60, "text_block": 1000}

NAMES = list(TARGETS)
EXPECTED = ["ga467_stream", "ga467_frame", "text_block", "id_number", "tlv", "apdu_exchange",
            "qr_payload", "qr_frame", "config_toml", "client_response", "problem_json"]


def test_every_parser_has_a_target() -> None:
    assert NAMES == EXPECTED


@pytest.mark.parametrize("name", NAMES)
def test_property_holds(name: str) -> None:
    target = TARGETS[name]

    @settings(BUDGET, max_examples=EXAMPLES.get(name, BUDGET.max_examples))
    @given(target.strategy())
    def prop(value: Any) -> None:
        try:
            target.check(value)  # raises on an untyped exception or a broken property
        except Contained:
            pass  # a native crash the app's isolation survived: what the app does too

    prop()


@pytest.mark.parametrize("name", NAMES)
def test_inputs_are_both_accepted_and_refused(name: str) -> None:
    # A generator that stopped making valid inputs would leave the round trips untested; one
    # that made only valid ones would never reach the error paths.
    target, src = TARGETS[name], RandomSource(random.Random(5))
    runs = min(EXAMPLES.get(name, 300), 300)
    outcomes = {target.check(target.generate(src)) for _ in range(runs)}
    assert outcomes == {True, False}
