"""Shared values of the client tests: the sandbox's frozen day and a booking request maker."""

from __future__ import annotations

from datetime import date
from typing import Any
from tests.validation_corpus import id_number

#: A Monday; the sandbox clock is frozen at its start so slots do not depend on the hour.
TODAY = date(2026, 11, 23)


def request_for(slot_id: str, hall: str = "HALL-CITY", item: str = "RS-S001",
                n: int = 0) -> dict[str, Any]:
    """A booking request body for a made-up resident; `n` varies the ID number."""
    return {"item_id": item, "hall_id": hall, "slot_id": slot_id,
            "resident": {"id_number": id_number(f"11010519491231{n:03d}"), "name": "李四",
                         "phone": "13900000000"}}
