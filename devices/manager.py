"""DeviceManager: polls every device's health and tells listeners when a status changes."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from devices.base import Device, DeviceError, DeviceState, DeviceStatus

log = logging.getLogger(__name__)

StatusListener = Callable[[str, DeviceStatus], None]


@dataclass(frozen=True)
class DeviceReport:
    """One line of `kiosk devices probe`: what a technician needs to see."""

    name: str
    backend: str
    state: str
    reason: str | None
    detail: str
    capabilities: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "backend": self.backend, "state": self.state,
                "reason": self.reason, "detail": self.detail,
                "capabilities": list(self.capabilities)}


class DeviceManager:
    """Owns health polling so that screens and provisioning read one consistent picture."""

    def __init__(self, devices: Mapping[str, Device], poll_interval: float = 5.0) -> None:
        self._devices = dict(devices)
        self._interval = poll_interval
        self._status: dict[str, DeviceStatus] = {}
        self._listeners: list[StatusListener] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def subscribe(self, listener: StatusListener) -> None:
        """`listener(name, status)` runs on the polling thread after each change."""
        with self._lock:
            self._listeners.append(listener)

    def poll_once(self) -> dict[str, DeviceStatus]:
        """Ask every device now; notify listeners of changes; return the full picture."""
        changes: list[tuple[str, DeviceStatus]] = []
        for name, device in self._devices.items():
            status = _safe_status(device)
            with self._lock:
                if self._status.get(name) != status:
                    changes.append((name, status))
                self._status[name] = status
        with self._lock:
            listeners = list(self._listeners)
        for name, status in changes:
            for listener in listeners:
                try:
                    listener(name, status)
                except Exception:  # a broken listener must not stop health polling
                    log.exception("device status listener failed for %s", name)
        return self.snapshot()

    def snapshot(self) -> dict[str, DeviceStatus]:
        with self._lock:
            return dict(self._status)

    def usable(self, name: str) -> bool:
        status = self.snapshot().get(name)
        return status is not None and status.usable

    def report(self) -> list[DeviceReport]:
        picture = self.poll_once()
        return [DeviceReport(name, type(dev).__name__, picture[name].state.value,
                             picture[name].reason, picture[name].detail,
                             tuple(sorted(getattr(dev, "capabilities", frozenset()))))
                for name, dev in self._devices.items()]

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="device-manager", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._interval + 5)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.poll_once()
            self._stop.wait(self._interval)


def _safe_status(device: Device) -> DeviceStatus:
    # status() should not raise, but a driver bug must show as ERROR, not kill the poller.
    try:
        return device.status()
    except DeviceError as exc:
        return DeviceStatus(DeviceState.ERROR, exc.reason, str(exc))
    except Exception as exc:  # report the driver bug as a device error with its type
        log.exception("status() of %s raised", type(device).__name__)
        return DeviceStatus(DeviceState.ERROR, "driver-error", type(exc).__name__)
