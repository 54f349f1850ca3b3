"""Expired ID and social-security cards are refused in plain words, on the flow's China clock."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta, UTC
from pathlib import Path

import pytest

from devices.idcard.simulated import SimulatedCardControl, SimulatedIdCardReader, simulated_idcard
from kiosk.flows.identify.flow import IdentifyFlow, IdentifyStep
from services.schemas import CHINA_TZ
from tests.flows.test_identify_flow import TIMEOUT, at, wait_for

RESIDENTS = Path(__file__).resolve().parents[2] / "devices" / "idcard" / "residents.json"
#: The packaged residents, by what their card says (devices/idcard/residents.json).
VALID, FOR_LIFE, EXPIRED = 0, 1, 3  # 张明华 (to 2035), 李秀英 (长期), 陈思雨 (ended 2026-07-09)
DEC_1 = at(datetime(2026, 12, 1, 10, 0, tzinfo=CHINA_TZ))


def reader(residents_file: str | None = None) -> tuple[SimulatedIdCardReader,
                                                        SimulatedCardControl]:
    device, control = simulated_idcard(residents_file)
    device.open()
    return device, control


def started(clock: Callable[[], datetime],
            residents_file: str | None = None) -> tuple[IdentifyFlow, SimulatedCardControl]:
    device, card = reader(residents_file)
    flow = IdentifyFlow({"id_card": device}, timeout=TIMEOUT, face=None, clock=clock)
    flow.start()
    return flow, card


def refused(flow: IdentifyFlow) -> bool:
    return "有效期" in flow.state.message


def test_the_packaged_expired_resident_is_really_expired_on_the_test_day() -> None:
    doc = simulated_idcard()[1].residents()[EXPIRED]
    assert doc.valid_until == date(2026, 7, 9) and doc.is_expired(DEC_1().date())


def test_an_expired_id_card_is_refused_with_what_to_do_and_the_resident_stays(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    flow, card = started(DEC_1)
    person = card.residents()[EXPIRED]
    card.present(EXPIRED)
    wait_for(lambda: refused(flow), "the refusal")
    message = flow.state.message
    assert "身份证" in message and "公安户籍窗口" in message and "换领" in message
    assert "没带证件或读不出" in message  # the way on for a resident who must act today
    assert not flow.state.waiting
    assert flow.step is IdentifyStep.READ and flow.identity is None
    # This terminal has no social-security reader and no camera: neither is offered.
    assert "社保卡" not in message and "扫码" not in message
    # A valid card afterwards goes through: the resident was only held back, not locked out.
    card.remove()
    card.present(VALID)
    wait_for(lambda: flow.step is IdentifyStep.DONE, "identified with a valid card")
    assert flow.identity is not None and flow.identity.name != person.name
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "expired" in logged  # counted for the operator...
    for secret in (person.name, person.id_number, "2026-07-09", "20260709"):
        assert secret not in logged  # ...without who or their card's dates


def test_a_card_valid_for_life_is_accepted() -> None:
    flow, card = started(DEC_1)
    assert card.residents()[FOR_LIFE].valid_until is None
    card.present(FOR_LIFE)
    wait_for(lambda: flow.step is IdentifyStep.DONE, "identified")


@pytest.mark.parametrize(("moment", "accepted"), [
    # The last day of validity still counts, in China time.
    (datetime(2026, 7, 9, 23, 59, tzinfo=CHINA_TZ), True),
    (datetime(2026, 7, 10, 0, 1, tzinfo=CHINA_TZ), False),
    # 16:30 UTC on the 9th is already the 10th in China: the flow's clock, not UTC, decides.
    (datetime(2026, 7, 9, 16, 30, tzinfo=UTC), False),
    (datetime(2026, 7, 9, 15, 30, tzinfo=UTC), True),
])
def test_the_flows_clock_decides_in_china_time(moment: datetime, accepted: bool) -> None:
    flow, card = started(at(moment))
    card.present(EXPIRED)
    wait_for(lambda: flow.step is IdentifyStep.DONE or refused(flow), "an outcome")
    assert (flow.step is IdentifyStep.DONE) is accepted


def test_the_clock_is_read_at_each_card_not_once_at_start() -> None:
    now = [datetime(2026, 7, 9, 12, 0, tzinfo=CHINA_TZ)]
    flow, card = started(lambda: now[0])
    now[0] += timedelta(days=1)  # the resident came to the screen before midnight
    card.present(EXPIRED)
    wait_for(lambda: refused(flow), "the refusal")


def expired_sscard_file(tmp_path: Path, until: str | None) -> str:
    entries = json.loads(RESIDENTS.read_text(encoding="utf-8"))["residents"]
    sscard = dict(next(e for e in entries if e["kind"] == "social_security_card"))
    sscard["valid_until"] = until
    path = tmp_path / "residents.json"
    path.write_text(json.dumps({"residents": [sscard]}, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_an_expired_social_security_card_is_refused_in_its_own_words(tmp_path: Path) -> None:
    flow, card = started(DEC_1, expired_sscard_file(tmp_path, "2026-01-10"))
    card.present(0)
    wait_for(lambda: refused(flow), "the refusal")
    message = flow.state.message
    assert "社保卡" in message and "换领" in message and "公安户籍窗口" not in message
    assert flow.step is IdentifyStep.READ and flow.identity is None


def test_a_social_security_card_without_an_expiry_is_accepted(tmp_path: Path) -> None:
    flow, card = started(DEC_1, expired_sscard_file(tmp_path, None))
    card.present(0)
    wait_for(lambda: flow.step is IdentifyStep.DONE, "identified")
