"""IdentifyFlow without Kivy: every way in read at once, errors in the resident's words, the
face check decided by the flow (the screens only render what it says)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from devices.base import CardRemoved
from devices.idcard.base import IdentityDocument
from devices.idcard.simulated import SimulatedCardControl, SimulatedIdCardReader, simulated_idcard
from kiosk.flows.identify.face_session import FaceSession
from kiosk.flows.identify.flow import IdentifyFlow, IdentifyStep
from kiosk.flows.identify.staff_check import StaffCheck
from kiosk.identity import ResidentIdentity
from kiosk.texts import text
from services.schemas import CHINA_TZ

TIMEOUT = 5.0  # the flow's own read timeout in these tests; waits below are derived from it


def at(moment: datetime) -> Callable[[], datetime]:
    """The flow's injected clock, stopped at `moment`."""
    return lambda: moment


#: The day these cases are set on (China time): 陈思雨's card ended on 2026-07-09.
TODAY = at(datetime(2026, 12, 1, 10, 0, tzinfo=CHINA_TZ))


def wait_for(predicate: Callable[[], bool], what: str, seconds: float = TIMEOUT * 2) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def reader() -> tuple[SimulatedIdCardReader, SimulatedCardControl]:
    device, control = simulated_idcard()
    device.open()
    return device, control


def listened(flow: IdentifyFlow) -> threading.Event:
    changed = threading.Event()
    flow.listen(changed.set)
    return changed


def test_a_card_without_face_check_identifies_the_resident_as_confirmed_by_card() -> None:
    device, card = reader()
    flow = IdentifyFlow({"id_card": device}, timeout=TIMEOUT, face=None, clock=TODAY)
    changed = listened(flow)
    flow.start()
    person = card.residents()[0]
    card.present(0)
    wait_for(lambda: flow.step is IdentifyStep.DONE, "identified")
    assert changed.is_set()
    who = flow.identity
    assert isinstance(who, ResidentIdentity)
    assert (who.name, who.id_number, who.verified_by) == (person.name, person.id_number, "card")
    assert person.name not in repr(who) and person.id_number not in repr(who)
    flow.wipe()
    assert flow.identity is None


def test_a_card_read_with_a_camera_goes_to_the_face_check_first() -> None:
    device, card = reader()
    made: list[IdentityDocument] = []

    def face(doc: IdentityDocument) -> FaceSession:
        made.append(doc)
        return FaceSession(doc, camera=None, verifier=None, max_attempts=3,
                           staff=StaffCheck(None))
    flow = IdentifyFlow({"id_card": device}, timeout=TIMEOUT, face=face, clock=TODAY)
    flow.start()
    card.present(1)
    wait_for(lambda: flow.step is IdentifyStep.FACE, "face step")
    assert flow.identity is None and made and made[0].name == card.residents()[1].name
    # No camera: the face check offers staff at once; staff confirm the person.
    assert flow.face is not None and flow.face.state is not None
    assert flow.face.state.step == "unavailable"
    flow.face_confirmed("staff")
    assert flow.step is IdentifyStep.DONE and flow.identity is not None
    assert flow.identity.verified_by == "staff" and flow.face is not None
    assert flow.face.document is None  # the card's data and photo are wiped after the check


def test_a_card_pulled_away_mid_read_is_said_in_plain_words_then_read_again() -> None:
    device, card = reader()
    flow = IdentifyFlow({"id_card": device}, timeout=TIMEOUT, face=None, clock=TODAY)
    flow.start()
    card.fail_next(CardRemoved())
    card.present(0)
    wait_for(lambda: flow.state.message == text("identify.removed"), "removed message")
    assert not flow.state.waiting
    card.remove()
    card.present(0)  # placed again, properly this time
    wait_for(lambda: flow.step is IdentifyStep.DONE, "identified after the retry")


def test_a_reader_that_is_down_says_so_and_is_used_again_when_it_comes_back() -> None:
    device, card = reader()
    card.go_offline()
    flow = IdentifyFlow({"id_card": device}, timeout=TIMEOUT, face=None, clock=TODAY)
    flow.start()
    wait_for(lambda: flow.state.message.startswith(text("identify.down.id_card")), "reader down")
    card.go_online()
    card.present(2)
    # The flow reopens the reader on its next round (RETRY_AFTER["reader_down"] seconds).
    wait_for(lambda: flow.step is IdentifyStep.DONE, "identified after replug", seconds=20)
    assert flow.identity is not None and flow.identity.name == card.residents()[2].name


def test_leaving_the_screen_stops_every_read() -> None:
    device, card = reader()
    flow = IdentifyFlow({"id_card": device}, timeout=TIMEOUT, face=None, clock=TODAY)
    flow.start()
    flow.stop()
    card.present(0)
    time.sleep(0.5)
    assert flow.step is IdentifyStep.READ and flow.identity is None
