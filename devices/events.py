"""Device events (card inserted/removed, reader added/removed) delivered on one project thread."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from devices.base import DeviceStatus

log = logging.getLogger(__name__)

# camera-offline / camera-online: the camera stopped or started giving frames (unplugged, a
# stream lost, the file gone); printer-offline / printer-online: the printer stopped or
# started being able to print (paper out, queue paused, cupsd gone...). Detail is the
# machine-readable reason.
EventKind = Literal["card-inserted", "card-removed", "reader-added", "reader-removed",
                    "service-lost", "service-back", "camera-offline", "camera-online",
                    "printer-offline", "printer-online"]


@dataclass(frozen=True)
class DeviceEvent:
    """What happened and where; never personal data (an ATR is a card model, not a person)."""

    kind: EventKind
    source: str
    detail: str = field(default="")


Listener = Callable[[DeviceEvent], None]


class Subscription:
    """Returned by `EventBus.subscribe`; `cancel()` stops delivery (idempotent)."""

    def __init__(self, bus: EventBus, listener: Listener) -> None:
        self._bus = bus
        self.listener = listener

    def cancel(self) -> None:
        self._bus._remove(self)


class EventBus:
    """Publish from any thread (e.g. pyscard's or a poller's); listeners run on the bus thread.

    Listeners run one at a time, in publication order, on a single daemon thread owned by the
    bus, so a slow or failing listener can never block or break the device thread that
    published. A UI hands events on to its own main thread (Kivy: Clock.schedule_once).
    """

    def __init__(self, name: str = "device-events") -> None:
        self._name = name
        self._queue: queue.Queue[DeviceEvent | threading.Event | None] = queue.Queue()
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def subscribe(self, listener: Listener) -> Subscription:
        sub = Subscription(self, listener)
        with self._lock:
            self._subs.append(sub)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def publish(self, event: DeviceEvent) -> None:
        self._queue.put(event)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every event published so far was delivered; False on timeout."""
        done = threading.Event()
        self._queue.put(done)
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
        if not alive:
            return True
        return done.wait(timeout)

    def close(self) -> None:
        """Stop the bus thread after it delivered what is queued."""
        self._queue.put(None)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            with self._lock:
                subs = list(self._subs)
            for sub in subs:
                try:
                    sub.listener(item)
                except Exception as exc:  # a listener's bug must not stop delivery to others
                    log.error("device event listener failed: %s", type(exc).__name__)


class StatusEvents:
    """Turns a device's status changes into events: one when it becomes usable and one when
    it stops being usable, never one per status reading. Drivers call `update()` wherever
    they learn their status (a camera at each frame, a printer at each status() or print)."""

    def __init__(self, source: str, *, online: EventKind, offline: EventKind,
                 name: str = "status-events") -> None:
        self._source = source
        self._online, self._offline = online, offline
        self._bus = EventBus(name)
        self._usable: bool | None = None  # nothing said yet
        self._lock = threading.Lock()

    def subscribe(self, listener: Listener) -> Subscription:
        return self._bus.subscribe(listener)

    def flush(self, timeout: float = 5.0) -> bool:
        return self._bus.flush(timeout)

    def baseline(self, status: DeviceStatus) -> None:
        """Where the device starts (a simulator's scripted state): known, not news."""
        with self._lock:
            self._usable = status.usable

    def update(self, status: DeviceStatus) -> None:
        with self._lock:
            if status.usable == self._usable:
                return
            first, self._usable = self._usable is None, status.usable
        if first and not status.usable:
            return  # "not open yet" at start is no news
        kind = self._online if status.usable else self._offline
        self._bus.publish(DeviceEvent(kind, self._source, status.reason or ""))
