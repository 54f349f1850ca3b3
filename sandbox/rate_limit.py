"""Lookups by reference per terminal: a token bucket, 429 with Retry-After when it runs dry."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

#: A terminal looks a booking up a few times per resident; guessing needs thousands.
LOOKUP_BURST = 30
LOOKUPS_PER_SECOND = 0.5


class TokenBuckets:
    """One bucket per terminal token; `take` answers None (go on) or the seconds to wait."""

    def __init__(self, burst: float = LOOKUP_BURST, per_second: float = LOOKUPS_PER_SECOND,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._burst = burst
        self._rate = per_second
        self._clock = clock
        self._lock = threading.Lock()  # routes run in a thread pool
        self._buckets: dict[bytes, tuple[float, float]] = {}  # token -> (tokens, at)

    def take(self, who: bytes) -> int | None:
        now = self._clock()
        with self._lock:
            tokens, at = self._buckets.get(who, (self._burst, now))
            tokens = min(self._burst, tokens + (now - at) * self._rate)
            if tokens >= 1:
                self._buckets[who] = (tokens - 1, now)
                return None
            self._buckets[who] = (tokens, now)
            return max(1, math.ceil((1 - tokens) / self._rate))
