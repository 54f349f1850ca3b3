"""Which home-screen services can start, and the plain reason when one cannot."""

from __future__ import annotations

from kiosk.tasks import default_registry, unavailable_reason

REGISTRY = default_registry()
service = REGISTRY.get


def test_booking_keeps_working_offline_but_live_services_say_why() -> None:
    offline = {"idcard": True, "printer": True, "platform": False}
    assert unavailable_reason(service("booking"), offline) is None  # provisional bookings
    reason = unavailable_reason(service("query"), offline)
    assert reason is not None and "网络" in reason and "实时联网" in reason
    assert unavailable_reason(service("query"), dict(offline, platform=True)) is None


def test_a_missing_reader_is_named_in_plain_words() -> None:
    reason = unavailable_reason(service("booking"), {"idcard": False, "platform": True})
    assert reason is not None and "身份证读卡器" in reason


def test_every_service_needing_the_platform_needs_it_by_that_name() -> None:
    live = [s.key for s in REGISTRY if "platform" in s.needs]
    assert set(live) == {"query", "pay"}
