"""The simulated ID-card reader behaves like a real one: blocking reads, one read per card.

Cards are placed through the control handle; the reader itself offers only what real readers do.
"""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from devices.base import CardRemoved, DeviceOffline, DeviceState, DeviceUnusable, NoCard
from devices.events import DeviceEvent
from devices.idcard.base import IdCardReader, IdentityDocument
from devices.idcard.simulated import (SimulatedCardControl, SimulatedIdCardReader, load_residents,
                                      simulated_idcard)


@pytest.fixture()
def sim() -> tuple[SimulatedIdCardReader, SimulatedCardControl]:
    return simulated_idcard()


@pytest.fixture()
def reader(sim: tuple[SimulatedIdCardReader, SimulatedCardControl]) -> SimulatedIdCardReader:
    return sim[0]


@pytest.fixture()
def card(sim: tuple[SimulatedIdCardReader, SimulatedCardControl]) -> SimulatedCardControl:
    return sim[1]


def test_is_an_idcard_reader(reader: SimulatedIdCardReader) -> None:
    assert isinstance(reader, IdCardReader)
    assert SimulatedIdCardReader.is_usable()
    assert "id_card" in reader.capabilities


def test_read_times_out_without_card(reader: SimulatedIdCardReader) -> None:
    started = time.monotonic()
    with pytest.raises(NoCard):
        reader.read(timeout=0.1)
    assert time.monotonic() - started >= 0.09


def test_present_then_read_returns_that_resident(reader: SimulatedIdCardReader,
                                                  card: SimulatedCardControl) -> None:
    card.present(1)
    doc = reader.read(timeout=1)
    assert doc == card.residents()[1] == load_residents()[1]


def test_read_blocks_until_a_card_is_presented(reader: SimulatedIdCardReader,
                                               card: SimulatedCardControl) -> None:
    result: list[IdentityDocument] = []
    thread = threading.Thread(target=lambda: result.append(reader.read(timeout=5)))
    thread.start()
    time.sleep(0.05)
    assert reader.status().state is DeviceState.BUSY
    card.present(0)
    thread.join(timeout=5)
    assert result == [card.residents()[0]]


def test_card_must_be_presented_again_for_a_second_read(reader: SimulatedIdCardReader,
                                                        card: SimulatedCardControl) -> None:
    card.present(0)
    reader.read(timeout=1)
    with pytest.raises(NoCard):
        reader.read(timeout=0.05)
    card.remove()
    card.present(0)
    assert reader.read(timeout=1).id_number == card.residents()[0].id_number


def test_fail_next_raises_once(reader: SimulatedIdCardReader, card: SimulatedCardControl) -> None:
    card.present(2)
    card.fail_next(CardRemoved())
    with pytest.raises(CardRemoved) as info:
        reader.read(timeout=1)
    assert info.value.reason == "card-removed"
    assert reader.read(timeout=1) == card.residents()[2]


def test_cancel_wakes_a_blocked_read(reader: SimulatedIdCardReader) -> None:
    errors: list[Exception] = []

    def read() -> None:
        try:
            reader.read(timeout=10)
        except NoCard as exc:
            errors.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    time.sleep(0.05)
    reader.cancel()
    thread.join(timeout=2)
    assert not thread.is_alive() and len(errors) == 1


def test_closed_reader_is_offline(reader: SimulatedIdCardReader,
                                  card: SimulatedCardControl) -> None:
    reader.close()
    assert reader.status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceOffline):
        reader.read(timeout=0.1)
    reader.open()
    card.present(0)
    assert reader.read(timeout=1)


def test_present_unknown_index(card: SimulatedCardControl) -> None:
    with pytest.raises(Exception) as info:
        card.present(99)
    assert getattr(info.value, "reason", "") == "no-such-card"


def test_repr_reveals_no_personal_data(card: SimulatedCardControl) -> None:
    for doc in card.residents():
        text = repr(doc) + str(doc) + repr([doc])
        assert doc.name not in text
        assert doc.id_number not in text
        assert doc.address not in text
        assert doc.id_number[:4] in text  # masked, still recognisable for support staff


def test_age() -> None:
    doc = load_residents()[1]
    assert doc.birth_date == date(1946, 8, 23)
    assert doc.age(date(2026, 8, 22)) == 79
    assert doc.age(date(2026, 8, 23)) == 80


def test_custom_and_broken_residents_file(tmp_path: Path) -> None:
    good = tmp_path / "r.json"
    good.write_text(json.dumps({"residents": [{
        "kind": "id_card", "name": "赵一", "id_number": "11010519491231002X", "sex": "男",
        "nation": "汉", "birth_date": "1949-12-31", "address": "江汉市某路1号",
        "issuer": "江汉市公安局", "valid_from": "2010-01-01", "valid_until": None,
        "phone": "13900000000"}]}, ensure_ascii=False), encoding="utf-8")
    assert load_residents(str(good))[0].valid_until is None
    assert simulated_idcard(str(good))[1].residents()[0].valid_until is None
    bad = tmp_path / "bad.json"
    bad.write_text('{"residents": [{"kind": "passport"}]}', encoding="utf-8")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(DeviceUnusable) as info:
            SimulatedIdCardReader(str(path))
        assert info.value.reason == "bad-config"


def test_the_reader_has_no_levers_of_the_simulation(reader: SimulatedIdCardReader) -> None:
    # The app gets the reader; only tests and the demo's developer panel get the control.
    for lever in ("present", "remove", "fail_next", "residents", "go_offline", "go_online"):
        assert not hasattr(reader, lever), lever
    public = {n for n in dir(reader) if not n.startswith("_")}
    assert public == {"capabilities", "is_usable", "open", "close", "status", "read", "cancel",
                      "subscribe", "diagnostics"}


def test_a_control_made_for_a_reader_drives_that_reader() -> None:
    reader = SimulatedIdCardReader()
    SimulatedCardControl(reader).present(3)
    assert reader.read(timeout=1) == load_residents()[3]


def test_go_offline_wakes_a_waiting_read_and_go_online_brings_it_back(
        reader: SimulatedIdCardReader, card: SimulatedCardControl) -> None:
    errors: list[DeviceOffline] = []

    def read() -> None:
        try:
            reader.read(timeout=10)
        except DeviceOffline as exc:
            errors.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    time.sleep(0.05)
    card.go_offline("unplugged", "USB cable out")
    thread.join(timeout=2)
    assert not thread.is_alive() and [e.reason for e in errors] == ["unplugged"]
    assert reader.status().state is DeviceState.OFFLINE
    assert reader.status().reason == "unplugged"
    card.present(0)
    with pytest.raises(DeviceOffline):
        reader.read(timeout=0.1)
    reader.close()
    with pytest.raises(DeviceOffline):
        reader.open()
    card.go_online()
    reader.open()
    assert reader.status().state is DeviceState.ONLINE
    assert reader.read(timeout=1) == card.residents()[0]


def test_card_and_reader_events(reader: SimulatedIdCardReader,
                                card: SimulatedCardControl) -> None:
    card.present(0)  # before anyone listens: no news for a later subscriber
    seen: list[DeviceEvent] = []
    sub = reader.subscribe(seen.append)
    card.present(1)  # a card swapped for another: removed, then inserted
    card.remove()
    card.remove()  # nothing left on the reader: no event
    card.go_offline()
    card.go_offline()
    card.go_online()
    card.present(2)
    assert card.flush_events()
    assert [e.kind for e in seen] == ["card-removed", "card-inserted", "card-removed",
                                      "reader-removed", "reader-added", "card-inserted"]
    assert {e.source for e in seen} == {"simulated"}
    sub.cancel()
    card.remove()
    assert card.flush_events() and len(seen) == 6


def test_diagnostics(reader: SimulatedIdCardReader, card: SimulatedCardControl) -> None:
    assert reader.diagnostics()["card_present"] is False
    card.present(0)
    diag = reader.diagnostics()
    assert diag["backend"] == "simulated" and diag["card_present"] is True
    assert diag["residents"] == len(load_residents())
