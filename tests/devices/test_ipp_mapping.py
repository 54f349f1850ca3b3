"""IPP printer-state and printer-state-reasons map to one DeviceStatus."""

from __future__ import annotations

import pytest

from devices.base import DeviceState
from devices.printer.ipp import map_printer_status, split_reason

S = DeviceState


@pytest.mark.parametrize("state,reasons,accepting,expected", [
    (3, ["none"], True, (S.ONLINE, None)),
    (4, ["none"], True, (S.BUSY, None)),
    (4, ["connecting-to-device"], True, (S.BUSY, None)),
    (3, ["media-low-warning"], True, (S.ONLINE, "media-low")),
    (5, ["media-empty-error"], True, (S.NO_MEDIA, "media-empty")),
    (5, ["media-needed"], True, (S.NO_MEDIA, "media-needed")),
    (5, ["media-empty-error", "paused"], True, (S.NO_MEDIA, "media-empty")),
    (5, ["door-open-error"], True, (S.ERROR, "door-open")),
    (5, ["cover-open"], True, (S.ERROR, "door-open")),
    (5, ["media-jam-error"], True, (S.ERROR, "media-jam")),
    (5, ["toner-empty-error"], True, (S.ERROR, "toner-empty")),
    (3, ["toner-low-report"], True, (S.ONLINE, "toner-low")),
    (3, ["offline-report"], True, (S.OFFLINE, "offline")),
    (5, ["paused"], True, (S.OFFLINE, "paused")),
    (5, ["none"], True, (S.OFFLINE, "stopped")),
    (3, ["none"], False, (S.OFFLINE, "not-accepting")),
    (3, ["fuser-over-temp-error"], True, (S.ERROR, "fuser-over-temp")),
    (3, [], True, (S.ONLINE, None)),
])
def test_mapping(state: int, reasons: list[str], accepting: bool,
                 expected: tuple[DeviceState, str | None]) -> None:
    status = map_printer_status(state, reasons, accepting)
    assert (status.state, status.reason) == expected


def test_split_reason() -> None:
    assert split_reason("media-empty-error") == ("media-empty", "error")
    assert split_reason("media-low-warning") == ("media-low", "warning")
    assert split_reason("offline-report") == ("offline", "report")
    assert split_reason("paused") == ("paused", "error")
