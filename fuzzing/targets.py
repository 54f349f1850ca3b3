"""Every fuzz target by name, in the order `make fuzz` runs them."""

from __future__ import annotations

from typing import Any

from fuzzing import answers, camera, card, ga467, platform
from fuzzing.source import Target

TARGETS: dict[str, Target[Any]] = {
    t.name: t for t in (*ga467.TARGETS, *card.TARGETS, *camera.TARGETS, *platform.TARGETS,
                        *answers.TARGETS)}
