"""CupsPrinter when the CUPS backend fails, on a real cupsd: under both error policies.

The failing backend is CUPS's own AppSocket backend pointed at a localhost port nobody listens
on, with `contimeout=1` so that it gives up after about 5 s (tests/printing/queues.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from devices.base import DeviceOffline, DeviceState, PrintFailed
from devices.printer.cups import CupsPrinter
from tests.printing.queues import extra_queue, failing_uri, jobs

pytestmark = pytest.mark.cups

TEST_PAGE = Path("/usr/share/cups/data/default-testpage.pdf")  # shipped with the cups package


@contextmanager
def failing_queue(model: str, policy: str) -> Iterator[str]:
    if not TEST_PAGE.is_file():
        pytest.skip(f"{TEST_PAGE} missing: the cups package installs it")
    try:
        uri = failing_uri()
    except FileNotFoundError as exc:
        pytest.skip(f"no way to make a failing backend here: {exc}")
    with extra_queue(model, uri=uri, error_policy=policy) as queue:
        yield queue


def test_abort_job_policy_reports_the_job_aborted_with_the_backends_words(
        cups_queue: str) -> None:
    with failing_queue(cups_queue, "abort-job") as queue:
        printer = CupsPrinter(queue, poll_interval=0.1)
        with pytest.raises(PrintFailed) as info:
            printer.print_pdf(TEST_PAGE.read_bytes(), title="kiosk backend failure test")
        assert info.value.reason == "job-aborted"
        assert "not responding" in str(info.value)  # the backend's last message, for a technician
        assert jobs(queue, "not-completed") == []
        # The drawback of abort-job (docs/printing.md): the queue looks healthy again.
        assert printer.status().state is DeviceState.ONLINE


def test_stop_printer_policy_stops_the_queue_and_the_job_is_cancelled(cups_queue: str) -> None:
    with failing_queue(cups_queue, "stop-printer") as queue:
        printer = CupsPrinter(queue, poll_interval=0.1)
        with pytest.raises(DeviceOffline) as info:
            printer.print_pdf(TEST_PAGE.read_bytes(), title="kiosk backend failure test")
        assert info.value.reason == "paused"
        # CUPS put the job back in the queue; the driver cancelled it, so re-enabling the queue
        # later cannot print it for whoever stands at the kiosk then.
        assert jobs(queue, "not-completed") == []
        status = printer.status()
        assert (status.state, status.reason) == (DeviceState.OFFLINE, "paused"), status
