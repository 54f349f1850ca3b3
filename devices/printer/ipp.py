"""Pure mapping of IPP printer-state / printer-state-reasons to a DeviceStatus (RFC 8011)."""

from __future__ import annotations

from collections.abc import Iterable

from devices.base import DeviceState, DeviceStatus

PRINTER_IDLE = 3
PRINTER_PROCESSING = 4
PRINTER_STOPPED = 5

JOB_PENDING = 3
JOB_HELD = 4
JOB_PROCESSING = 5
JOB_STOPPED = 6
JOB_CANCELED = 7
JOB_ABORTED = 8
JOB_COMPLETED = 9

_SUFFIXES = ("-error", "-warning", "-report")

# Keyword (suffix stripped) -> (state, reason we report). Ordered by how much a resident is
# affected: no paper first, then hardware faults, then "someone switched it off".
_BLOCKING: tuple[tuple[str, DeviceState, str], ...] = (
    ("media-empty", DeviceState.NO_MEDIA, "media-empty"),
    ("media-needed", DeviceState.NO_MEDIA, "media-needed"),
    ("input-tray-missing", DeviceState.NO_MEDIA, "input-tray-missing"),
    ("media-jam", DeviceState.ERROR, "media-jam"),
    ("door-open", DeviceState.ERROR, "door-open"),
    ("cover-open", DeviceState.ERROR, "door-open"),
    ("interlock-open", DeviceState.ERROR, "door-open"),
    ("toner-empty", DeviceState.ERROR, "toner-empty"),
    ("marker-supply-empty", DeviceState.ERROR, "toner-empty"),
    ("output-area-full", DeviceState.ERROR, "output-area-full"),
    ("offline", DeviceState.OFFLINE, "offline"),
    ("shutdown", DeviceState.OFFLINE, "offline"),
    ("timed-out", DeviceState.OFFLINE, "offline"),
    ("paused", DeviceState.OFFLINE, "paused"),
    ("moving-to-paused", DeviceState.OFFLINE, "paused"),
)
# Reasons that never stop a job; they are reported so admins can refill in time.
_WARNINGS = ("media-low", "toner-low", "marker-supply-low", "output-area-almost-full")


def split_reason(keyword: str) -> tuple[str, str]:
    """'media-empty-error' -> ('media-empty', 'error'); no suffix counts as 'error' (RFC 8011)."""
    for suffix in _SUFFIXES:
        if keyword.endswith(suffix):
            return keyword[: -len(suffix)], suffix[1:]
    return keyword, "error"


def map_printer_status(state: int, reasons: Iterable[str], accepting: bool = True,
                       message: str = "") -> DeviceStatus:
    """Turn the printer's IPP attributes into one DeviceStatus."""
    given = [r for r in reasons if r and r != "none"]
    keywords = {split_reason(r)[0] for r in given}
    detail = message or ", ".join(sorted(keywords))
    for keyword, dev_state, reason in _BLOCKING:
        # CUPS marks a backend that cannot reach the device as "offline-report": a report in
        # IPP terms, but for a kiosk the printer is just as unreachable as with an error.
        if keyword in keywords:
            return DeviceStatus(dev_state, reason, detail)
    # Unknown reasons count only with an explicit "-error": CUPS sets unsuffixed informational
    # ones such as "connecting-to-device" while a job is printing normally.
    errors = sorted(split_reason(r)[0] for r in given if r.endswith("-error")
                    and split_reason(r)[0] not in _WARNINGS)
    if errors:
        return DeviceStatus(DeviceState.ERROR, errors[0], detail)
    if state == PRINTER_STOPPED:
        return DeviceStatus(DeviceState.OFFLINE, "stopped", detail)
    if not accepting:
        return DeviceStatus(DeviceState.OFFLINE, "not-accepting", detail)
    warning = next((w for w in _WARNINGS if w in keywords), None)
    if state == PRINTER_PROCESSING:
        return DeviceStatus(DeviceState.BUSY, warning, detail)
    return DeviceStatus(DeviceState.ONLINE, warning, detail)


_NOISE = ("none", "job-incoming", "processing-to-stop-point")


def meaningful_job_reasons(reasons: Iterable[str]) -> list[str]:
    """Job-state-reasons worth reporting (drops the ones every job passes through)."""
    return [r for r in reasons if r and r not in _NOISE]
