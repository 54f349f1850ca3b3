"""The GA 467 backend against a reader emulated on a pseudo-terminal (real pyserial, real tty)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date

import pytest
from ga467_emulator import ID_NUMBER, Card, ReaderEmulator, card_fields

from devices.base import CardRemoved, DeviceOffline, DeviceState, DeviceTimeout, NoCard
from devices.events import DeviceEvent
from devices.idcard.ga467 import Ga467Reader
from devices.idcard.ga467_protocol import ChecksumError, InvalidCardData


def test_reads_every_field(reader: Ga467Reader, emulator: ReaderEmulator, card: Card) -> None:
    emulator.card = card
    doc = reader.read(timeout=2)
    assert (doc.kind, doc.name, doc.id_number, doc.sex, doc.nation) == \
        ("id_card", "张三明", ID_NUMBER, "男", "汉")
    assert doc.birth_date == date(1990, 3, 7)
    assert doc.address == "江汉市江岸区沿江大道188号"
    assert doc.issuer == "江汉市公安局江岸分局"
    assert (doc.valid_from, doc.valid_until) == (date(2020, 1, 1), date(2040, 1, 1))
    assert doc.photo == card.photo[:1024] and len(doc.photo) == 1024
    assert "张三明" not in repr(doc) and ID_NUMBER not in repr(doc)


def test_valid_for_life_and_minority_nation(reader: Ga467Reader,
                                            emulator: ReaderEmulator) -> None:
    emulator.card = Card(card_fields(valid_until="长期", nation="56", sex="2"))
    doc = reader.read(timeout=2)
    assert (doc.valid_until, doc.nation, doc.sex) == (None, "基诺", "女")


def test_card_must_leave_before_next_read(reader: Ga467Reader, emulator: ReaderEmulator,
                                          card: Card) -> None:
    emulator.card = card
    reader.read(timeout=2)
    with pytest.raises(NoCard) as info:
        reader.read(timeout=0.3)
    assert info.value.reason == "card-not-removed"
    emulator.card = None
    with pytest.raises(NoCard):
        reader.read(timeout=0.2)
    emulator.card = card
    assert reader.read(timeout=2).id_number == ID_NUMBER


def test_no_card_times_out(reader: Ga467Reader) -> None:
    with pytest.raises(NoCard) as info:
        reader.read(timeout=0.3)
    assert info.value.reason == "no-card"


@pytest.mark.parametrize("fault", ["corrupt", "garbage", "dribble", "bad-length", "silent"])
def test_line_faults_are_survived(reader: Ga467Reader, emulator: ReaderEmulator, card: Card,
                                  fault: str) -> None:
    emulator.card = card
    emulator.faults.extend([fault, "ok", fault, "ok", fault])
    assert reader.read(timeout=5).id_number == ID_NUMBER
    if fault in ("corrupt", "bad-length"):
        assert reader.frame_errors >= 1


def test_persistent_silence_is_a_timeout(reader: Ga467Reader, emulator: ReaderEmulator,
                                         card: Card) -> None:
    emulator.card = card
    emulator.faults.extend(["silent"] * 10)
    with pytest.raises(DeviceTimeout) as info:
        reader.read(timeout=2)
    assert info.value.reason == "no-response"


def test_persistent_corruption_is_a_typed_frame_error(reader: Ga467Reader,
                                                      emulator: ReaderEmulator,
                                                      card: Card) -> None:
    emulator.card = card
    emulator.faults.extend(["corrupt"] * 10)
    with pytest.raises(ChecksumError) as info:
        reader.read(timeout=2)
    assert info.value.reason == "bad-checksum"


def test_card_pulled_mid_read(reader: Ga467Reader, emulator: ReaderEmulator, card: Card) -> None:
    emulator.card = card
    emulator.faults.append("remove-on-read")
    with pytest.raises(CardRemoved):
        reader.read(timeout=2)
    emulator.card = card
    assert reader.read(timeout=2).id_number == ID_NUMBER


def test_bad_check_digit_is_rejected(reader: Ga467Reader, emulator: ReaderEmulator) -> None:
    wrong = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")
    emulator.card = Card(card_fields(id_number=wrong))
    with pytest.raises(InvalidCardData) as info:
        reader.read(timeout=2)
    assert info.value.reason == "bad-id-number"
    assert wrong not in str(info.value)


def test_sam_self_test_failure_shows_in_status(reader: Ga467Reader,
                                               emulator: ReaderEmulator) -> None:
    assert reader.status().state is DeviceState.ONLINE
    emulator.results[(0x11, 0xFF)] = 0x60
    status = reader.status()
    assert (status.state, status.reason) == (DeviceState.ERROR, "self-test-failed")


def test_cancel_wakes_a_waiting_read(reader: Ga467Reader) -> None:
    timer = threading.Timer(0.2, reader.cancel)
    timer.start()
    with pytest.raises(NoCard) as info:
        reader.read(timeout=30)
    assert info.value.reason == "cancelled"


def test_events_come_on_the_bus_thread(reader: Ga467Reader, emulator: ReaderEmulator,
                                       card: Card) -> None:
    seen: list[tuple[str, str]] = []
    reader.subscribe(lambda e: seen.append((e.kind, threading.current_thread().name)))
    emulator.card = card
    reader.read(timeout=2)
    emulator.card = None
    with pytest.raises(NoCard):
        reader.read(timeout=0.1)
    reader._events.flush()
    assert [k for k, _ in seen] == ["card-inserted", "card-removed"]
    assert {t for _, t in seen} == {"ga467-events"}
    assert isinstance(DeviceEvent("card-inserted", "x"), DeviceEvent)


def test_missing_port_is_offline() -> None:
    with pytest.raises(DeviceOffline) as info:
        Ga467Reader("/dev/does-not-exist-ttyX").open()
    assert info.value.reason == "port-unavailable"


def test_silent_port_is_offline_at_open(emulator: ReaderEmulator) -> None:
    emulator.faults.extend(["silent"] * 5)
    reader = Ga467Reader(emulator.path, command_timeout=0.2, retries=1)
    with pytest.raises(DeviceOffline) as info:
        reader.open()
    assert info.value.reason == "no-response"
    assert reader.status().state is DeviceState.OFFLINE


def test_is_an_idcard_reader_and_logs_nothing_personal(
        reader: Ga467Reader, emulator: ReaderEmulator, card: Card,
        caplog: pytest.LogCaptureFixture) -> None:
    from devices.idcard.base import IdCardReader
    assert isinstance(reader, IdCardReader)
    caplog.set_level("DEBUG")
    emulator.card = card
    emulator.faults.extend(["corrupt", "garbage"])
    doc = reader.read(timeout=5)
    text = caplog.text + repr(reader.diagnostics()) + repr(doc)
    assert "张三明" not in text and ID_NUMBER not in text and "沿江大道" not in text


def test_busy_while_waiting_and_sam_reset(reader: Ga467Reader, emulator: ReaderEmulator) -> None:
    waiting = threading.Thread(target=lambda: pytest.raises(NoCard, reader.read, 10))
    waiting.start()
    try:
        assert _eventually(lambda: reader.status().state is DeviceState.BUSY)
    finally:
        reader.cancel()
        waiting.join(5)
    reader.reset_sam()
    assert (0x10, 0xFF) in emulator.commands
    assert reader.status().state is DeviceState.ONLINE


def _eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.01)
    return False
