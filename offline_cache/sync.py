"""The sync worker: delivers outbox items through a sender port, with backoff and jitter, off the UI
thread."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from tenacity import RetryCallState, Retrying, wait_exponential

from .outbox import Outbox, OutboxItem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivered:
    """The platform applied (or had already applied) the write; `response` is its answer."""

    response: dict[str, Any]


@dataclass(frozen=True)
class RetryLater:
    """Timeout, connection error, 5xx, 429...: the write may be resent with the same key."""

    reason: str
    retry_after_s: float | None = None


@dataclass(frozen=True)
class Refused:
    """The platform refused the write for good (a 4xx other than 409/429): dead letter."""

    reason: str
    status: int | None = None
    message: str | None = None  # what to tell a resident, when the platform said it
    #: The platform's problem document (e.g. which booking a double booking names), for the
    #: flow that waits on this attempt; never stored, never logged.
    problem: dict[str, Any] | None = None


SendResult = Delivered | RetryLater | Refused


class Sender(Protocol):
    """The port to the platform: one attempt of one write. Must not raise; the kiosk side
    maps its client's errors to a SendResult (offline_cache knows nothing of the platform)."""

    def __call__(self, kind: str, payload: dict[str, Any],
                 idempotency_key: str) -> SendResult: ...


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter, so that a fleet of terminals coming back after an
    outage does not hit the platform in lockstep: after attempt n the wait is drawn uniformly
    from [w/2, w], w = min(max_s, base_s * 2^(n-1)). The floor of w/2 ("equal jitter") keeps
    a terminal from resending at once to a platform that has just failed."""

    base_s: float = 1.0
    max_s: float = 300.0

    def delay(self, attempts: int, rng: random.Random) -> float:
        # tenacity's capped exponential gives w/2; its wait_random_exponential would add the
        # jitter from the process-wide `random`, so the draw is made from the worker's own rng
        # (seedable in tests, and one per terminal); same distribution, see the tests.
        half = wait_exponential(multiplier=self.base_s / 2, max=self.max_s / 2)(
            _after_attempt(attempts))
        return half + rng.uniform(0, half)


def _after_attempt(attempts: int) -> RetryCallState:
    """A tenacity call state at the given attempt: the worker keeps the attempt count in the
    outbox row and schedules the next try there, instead of sleeping in a retry loop."""
    state = RetryCallState(retry_object=Retrying(), fn=None, args=(), kwargs={})
    state.attempt_number = max(attempts, 1)
    return state


class SyncWorker:
    """Drains the outbox in a daemon thread; `send_now` delivers one item in the caller's
    thread (the resident is waiting), `wake` makes the thread look again at once."""

    def __init__(self, outbox: Outbox, sender: Sender, *, backoff: Backoff | None = None,
                 batch: int = 20, idle_poll_s: float = 30.0,
                 on_change: Callable[[], None] | None = None,
                 rng: random.Random | None = None,
                 retention_s: float | None = None, purge_every_s: float = 3600.0,
                 probe: Callable[[], bool] | None = None, probe_every_s: float = 15.0) -> None:
        self.outbox = outbox
        self._sender = sender
        self._backoff = backoff or Backoff()
        self._batch = batch
        self._idle_poll_s = idle_poll_s
        self._on_change = on_change  # e.g. the app's banner trigger; called off the UI thread
        self._rng = rng or random.Random()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.online: bool | None = None  # None until the first attempt says
        self._retention_s = retention_s
        self._purge_every_s = purge_every_s
        self._next_purge = 0.0
        # While offline, items back off for up to max_s; a cheap probe notices the platform
        # answering again sooner, so a terminal nobody touches still delivers within seconds.
        self._probe = probe
        self._probe_every_s = probe_every_s
        self._next_probe = 0.0

    # -- one attempt -----------------------------------------------------------------------
    def attempt(self, item: OutboxItem) -> SendResult:
        """Send a claimed (in-flight) item once and record the result."""
        if item.payload is None:
            result: SendResult = Refused("payload unreadable with this terminal's key")
        else:
            try:
                result = self._sender(item.kind, item.payload, item.idempotency_key)
            except Exception as exc:  # noqa: BLE001 - a sender bug must not kill the worker
                result = RetryLater(f"sender error {type(exc).__name__}")
        if isinstance(result, Delivered):
            self.outbox.mark_sent(item.id, result.response)
            if self.online is False:
                # The platform answers again: everything that was backing off goes now.
                self.outbox.due_now()
            self._set_online(True)
        elif isinstance(result, Refused):
            self.outbox.mark_dead(item.id, result.reason)
            self._set_online(True)
        else:
            delay = self._backoff.delay(item.attempts, self._rng)
            if result.retry_after_s is not None:
                delay = max(delay, result.retry_after_s)
            self.outbox.mark_retry(item.id, result.reason, delay)
            self._set_online(False)
        log.info("outbox item %s (%s) attempt %s: %s", item.id, item.kind, item.attempts,
                 type(result).__name__)
        return result

    def send_now(self, item_id: int) -> SendResult | None:
        """Deliver one item right away; None when it cannot be claimed now (in flight in the
        worker, or an older write of the same resident is still waiting)."""
        item = self.outbox.claim(item_id)
        if item is None:
            return None
        return self.attempt(item)

    def run_once(self) -> int:
        """Attempt every item that is due now; returns how many were attempted."""
        items = self.outbox.claim_due(self._batch)
        for item in items:
            self.attempt(item)
        return len(items)

    def drain(self, timeout_s: float, *, sleep: Callable[[float], None] = time.sleep,
              monotonic: Callable[[], float] = time.monotonic) -> bool:
        """Deliver until nothing is pending or `timeout_s` passes; True when empty."""
        self.outbox.recover()
        deadline = monotonic() + timeout_s
        while True:
            self.run_once()
            if self.outbox.pending_count() == 0:
                return True
            left = deadline - monotonic()
            if left <= 0:
                return False
            nxt = self.outbox.next_wakeup()
            wait = 0.05 if nxt is None else max(nxt - self.outbox_clock(), 0.0)
            sleep(min(max(wait, 0.01), left, 1.0))

    def outbox_clock(self) -> float:
        return self.outbox.clock()

    def probe_if_offline(self) -> bool:
        """While offline, at most every `probe_every_s`: ask whether the platform answers; if
        it does, bring every backing-off item forward. True when items were brought forward."""
        if self.online is not False or self._probe is None:
            return False
        now = time.monotonic()
        if now < self._next_probe:
            return False
        self._next_probe = now + self._probe_every_s
        try:
            answers = self._probe()
        except Exception:  # noqa: BLE001 - a failing probe means "not yet", never a crash
            log.exception("platform probe failed")
            answers = False
        return bool(answers) and self.outbox.due_now() > 0

    # -- the thread ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self.outbox.recover()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="outbox-sync", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """New work or the network came back: look now instead of at the next timer."""
        self._next_probe = 0.0
        self._wake.set()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def purge_if_due(self) -> int:
        """Delete delivered items past the retention window, at most once per period."""
        now = self.outbox_clock()
        if now < self._next_purge:
            return 0
        self._next_purge = now + self._purge_every_s
        if self._retention_s is None:
            return self.outbox.purge()
        return self.outbox.purge(retention_s=self._retention_s)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.purge_if_due()
                self.probe_if_offline()
                attempted = self.run_once()
            except Exception:  # noqa: BLE001 - e.g. disk full: log, wait, try again
                log.exception("outbox sync round failed")
                attempted = 0
            if attempted:
                continue
            nxt = self.outbox.next_wakeup()
            wait = self._idle_poll_s if nxt is None else max(nxt - self.outbox_clock(), 0.0)
            if self.online is False and self._probe is not None:
                wait = min(wait, self._probe_every_s)
            self._wake.wait(min(wait, self._idle_poll_s))
            self._wake.clear()

    def _set_online(self, online: bool) -> None:
        changed = self.online is not online
        self.online = online
        if changed and self._on_change is not None:
            try:
                self._on_change()
            except Exception:  # noqa: BLE001 - a UI hook must not stop delivery
                log.exception("outbox on_change hook failed")
