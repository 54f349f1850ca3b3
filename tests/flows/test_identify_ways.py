"""Only the ways in this terminal has and that work now are offered, named or promised."""

from __future__ import annotations

import threading

from devices.base import DeviceOffline, DeviceState, DeviceStatus
from devices.camera.qr import NoQrCode
from devices.idcard.simulated import SimulatedCardControl, SimulatedIdCardReader, simulated_idcard
from kiosk.flows.identify.flow import IdentifyFlow
from kiosk.flows.identify.sources import Source
from kiosk.flows.identify.ways import StaffedHall, Way
from kiosk.identity import ResidentIdentity
from kiosk.texts import TEXTS
from tests.flows.test_identify_flow import TIMEOUT, TODAY, wait_for

HALL = StaffedHall("东湖区政务服务中心", "江汉市东湖区青山路1号", "周一至周五 9:00-17:30")


class Camera:
    """The app-code way: no code in front of it, or the camera gone (`down`)."""

    is_camera = True

    def __init__(self) -> None:
        self.down = threading.Event()
        self._cancel = threading.Event()

    def read(self, timeout: float) -> ResidentIdentity:
        self._cancel.wait(min(timeout, 0.05))
        if self.down.is_set():
            raise DeviceOffline("unplugged", reason="not-found")
        raise NoQrCode("no code shown")

    def cancel(self) -> None:
        self._cancel.set()
        self._cancel = threading.Event()

    def status(self) -> DeviceStatus:
        state = DeviceState.OFFLINE if self.down.is_set() else DeviceState.ONLINE
        return DeviceStatus(state, "not-found" if self.down.is_set() else "")

    def open(self) -> None:
        pass


def reader() -> tuple[SimulatedIdCardReader, SimulatedCardControl]:
    device, control = simulated_idcard()
    device.open()
    return device, control


def flow_with(sources: dict[Way, Source], hall: StaffedHall | None = None) -> IdentifyFlow:
    return IdentifyFlow(sources, timeout=TIMEOUT, face=None, clock=TODAY,
                        staffed_hall=lambda: hall)


def test_only_the_ways_the_terminal_has_are_offered_and_none_is_coming() -> None:
    device, _card = reader()
    flow = flow_with({"id_card": device})
    assert flow.ways == ["id_card"]
    help_text = flow.help_text()
    assert "12345" in help_text and "扫码" not in help_text and "社保卡" not in help_text
    assert "就近" in help_text  # no hall configured: no invented name
    assert not any("即将开放" in TEXTS[k] for k in TEXTS if k.startswith("identify."))


def test_the_help_names_the_app_and_the_staffed_hall_when_they_are_there() -> None:
    device, _card = reader()
    sscard, _ss = reader()
    flow = flow_with({"id_card": device, "sscard": sscard, "app": Camera()}, HALL)
    assert flow.ways == ["id_card", "sscard", "app"]
    help_text = flow.help_text()
    for words in ("扫码登录", "社保卡", "12345", HALL.name, HALL.address, HALL.hours):
        assert words in help_text, words


def test_a_reader_that_is_down_is_no_longer_offered_and_the_others_are_named() -> None:
    device, card = reader()
    sscard, _ss = reader()
    card.go_offline()
    flow = flow_with({"id_card": device, "sscard": sscard})
    flow.start()
    wait_for(lambda: flow.ways == ["sscard"], "the ID reader dropped")
    message = flow.state.message
    assert message.startswith("身份证读卡器暂时无法使用") and "改用社保卡" in message
    assert "扫码" not in message  # this terminal has no camera
    flow.stop()


def test_the_only_reader_down_offers_no_other_reader() -> None:
    device, card = reader()
    card.go_offline()
    flow = flow_with({"id_card": device})
    flow.start()
    wait_for(lambda: flow.ways == [], "the reader dropped")
    message = flow.state.message
    assert "改用" not in message and "没带证件或读不出" in message
    flow.stop()


def test_a_camera_that_goes_away_takes_the_app_way_with_it_quietly() -> None:
    device, _card = reader()
    camera = Camera()
    flow = flow_with({"id_card": device, "app": camera})
    changes = threading.Event()
    flow.listen(changes.set)
    flow.start()
    assert flow.ways == ["id_card", "app"]
    camera.down.set()
    wait_for(lambda: flow.ways == ["id_card"], "the app way dropped")
    assert changes.is_set()  # the screen hears of it and drops the button
    assert "摄像头" not in flow.state.message  # one way among several: no alarm
    assert "扫码" not in flow.help_text()
    camera.down.clear()
    wait_for(lambda: flow.ways == ["id_card", "app"], "the app way back")
    flow.stop()


def test_no_card_words_name_only_the_cards_this_terminal_reads() -> None:
    from kiosk.flows.identify import ways
    assert "社保卡" not in ways.no_card(["id_card", "app"])
    both = ways.no_card(["id_card", "sscard"])
    assert "身份证" in both and "社保卡" in both
