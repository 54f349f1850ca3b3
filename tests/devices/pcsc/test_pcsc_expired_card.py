"""An expired social-security card read on the real PC/SC stack is refused by IdentifyFlow."""

from __future__ import annotations

import time
from datetime import datetime

from vpcd_card import SocialSecurityCardEmulator, VpcdCard, default_files

from devices.idcard.pcsc import PcscReader
from kiosk.flows.identify.flow import IdentifyFlow, IdentifyStep
from services.schemas import CHINA_TZ

TODAY = datetime(2026, 12, 1, 10, 0, tzinfo=CHINA_TZ)
READ_TIMEOUT = 5.0  # the flow's read timeout here; the waits below are derived from it


def _outcome(reader: PcscReader) -> IdentifyFlow:
    flow = IdentifyFlow({"sscard": reader}, timeout=READ_TIMEOUT, face=None,
                        clock=lambda: TODAY)
    flow.start()
    deadline = time.monotonic() + READ_TIMEOUT * 2
    while time.monotonic() < deadline and flow.step is IdentifyStep.READ \
            and "有效期" not in flow.state.message:
        time.sleep(0.05)
    flow.stop()
    return flow


def test_the_expiry_on_the_card_refuses_it(reader: PcscReader, vcard: VpcdCard) -> None:
    files = default_files()
    files[b"\xef\x05"][0x06] = bytes.fromhex("20261130")  # ended yesterday
    vcard.card = SocialSecurityCardEmulator(files)
    vcard.insert()
    flow = _outcome(reader)
    assert flow.step is IdentifyStep.READ and flow.identity is None
    assert "社保卡已过有效期" in flow.state.message


def test_a_card_valid_until_today_goes_through(reader: PcscReader, vcard: VpcdCard) -> None:
    files = default_files()
    files[b"\xef\x05"][0x06] = bytes.fromhex("20261201")
    vcard.card = SocialSecurityCardEmulator(files)
    vcard.insert()
    flow = _outcome(reader)
    assert flow.step is IdentifyStep.DONE and flow.identity is not None
    assert flow.identity.kind == "social_security_card"
