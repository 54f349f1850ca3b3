"""A fuzz target whose check kills its process on one input, like a crash in native code."""

from __future__ import annotations

import os

from fuzzing.source import Source, Target, input_for
from fuzzing.targets import TARGETS

SEED = 5
CRASH_INDEX = 7_321  # in the second chunk of 5,000


def wide(src: Source) -> int:
    return src.num(0, 10**9)


CRASH_VALUE = input_for(wide, SEED, CRASH_INDEX)


def _check(value: int) -> bool:
    if value == CRASH_VALUE:
        os.abort()  # what a double free in a C extension does to the process
    return value % 2 == 0


def register() -> None:
    """Pool initializer: the target exists in every worker process too."""
    TARGETS["crashy"] = Target("crashy", "test: aborts on one input", wide, _check)
