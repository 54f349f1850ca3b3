"""Constants of Platform API v1 that need no model (no pydantic): the zone of its times and
its problem types, for what the kiosk imports before its first frame (issue 11)."""

from __future__ import annotations

from datetime import timedelta, timezone

__all__ = ["CHINA_TZ", "PROBLEM_UNAUTHORIZED", "PROBLEM_NOT_FOUND", "PROBLEM_INVALID_REQUEST",
           "PROBLEM_IDEMPOTENCY_KEY_MISSING", "PROBLEM_IDEMPOTENCY_KEY_REUSED",
           "PROBLEM_SLOT_FULL", "PROBLEM_SLOT_UNAVAILABLE", "PROBLEM_NOT_BOOKABLE",
           "PROBLEM_ALREADY_CANCELLED", "PROBLEM_DUPLICATE_BOOKING", "PROBLEM_RATE_LIMITED",
           "PROBLEM_INTERNAL"]

#: Times in Platform API v1 are China Standard Time (+08:00, no daylight saving).
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

# Machine-readable problem types (the `type` member). Stable: terminals switch on them.
PROBLEM_UNAUTHORIZED = "urn:kiosk:problem:unauthorized"
PROBLEM_NOT_FOUND = "urn:kiosk:problem:not-found"
PROBLEM_INVALID_REQUEST = "urn:kiosk:problem:invalid-request"
PROBLEM_IDEMPOTENCY_KEY_MISSING = "urn:kiosk:problem:idempotency-key-missing"
PROBLEM_IDEMPOTENCY_KEY_REUSED = "urn:kiosk:problem:idempotency-key-reused"
PROBLEM_SLOT_FULL = "urn:kiosk:problem:slot-full"
PROBLEM_SLOT_UNAVAILABLE = "urn:kiosk:problem:slot-unavailable"
PROBLEM_NOT_BOOKABLE = "urn:kiosk:problem:not-bookable"
PROBLEM_ALREADY_CANCELLED = "urn:kiosk:problem:already-cancelled"
#: The resident already holds an active booking of this item on this day (body:
#: DuplicateBookingProblem). A cancelled booking does not count.
PROBLEM_DUPLICATE_BOOKING = "urn:kiosk:problem:duplicate-booking"
PROBLEM_RATE_LIMITED = "urn:kiosk:problem:rate-limited"
PROBLEM_INTERNAL = "urn:kiosk:problem:internal"
