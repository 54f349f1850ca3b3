"""The scripted runner waits as long as the app itself may wait, taken from the app's config."""

from __future__ import annotations

from kiosk.config import parse_config
from services.client import GET_RETRIES
from tests.e2e.scripted import app_wait_bound


def config(platform_timeout: float, printer_timeout: float) -> object:
    return parse_config({"platform": {"url": "http://127.0.0.1:9", "token": "t",
                                      "timeout": platform_timeout},
                         "devices": {"printer": {"backend": "simulated", "out_dir": "/tmp",
                                                 "timeout": printer_timeout}}}, source="test")


def test_the_bound_covers_the_platform_reads_and_a_print_job_of_one_step() -> None:
    bound = app_wait_bound(config(10, 60))
    assert bound > 10 * (1 + GET_RETRIES) + 60  # a read with its retry, then printing
    # Slower timeouts on a terminal mean longer waits in its scripts, never a fixed guess.
    assert app_wait_bound(config(30, 60)) > bound and app_wait_bound(config(10, 120)) > bound
