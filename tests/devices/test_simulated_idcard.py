"""The simulated ID-card reader behaves like a real one: blocking reads, one read per card."""

from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from devices.base import CardRemoved, DeviceOffline, DeviceState, DeviceUnusable, NoCard
from devices.idcard.base import IdCardReader, IdentityDocument
from devices.idcard.simulated import SimulatedIdCardReader


@pytest.fixture()
def reader() -> SimulatedIdCardReader:
    return SimulatedIdCardReader()


def test_is_an_idcard_reader(reader: SimulatedIdCardReader) -> None:
    assert isinstance(reader, IdCardReader)
    assert SimulatedIdCardReader.is_usable()
    assert "id_card" in reader.capabilities


def test_read_times_out_without_card(reader: SimulatedIdCardReader) -> None:
    started = time.monotonic()
    with pytest.raises(NoCard):
        reader.read(timeout=0.1)
    assert time.monotonic() - started >= 0.09


def test_present_then_read_returns_that_resident(reader: SimulatedIdCardReader) -> None:
    reader.present(1)
    doc = reader.read(timeout=1)
    assert doc == reader.residents()[1]


def test_read_blocks_until_a_card_is_presented(reader: SimulatedIdCardReader) -> None:
    result: list[IdentityDocument] = []
    thread = threading.Thread(target=lambda: result.append(reader.read(timeout=5)))
    thread.start()
    time.sleep(0.05)
    assert reader.status().state is DeviceState.BUSY
    reader.present(0)
    thread.join(timeout=5)
    assert result == [reader.residents()[0]]


def test_card_must_be_presented_again_for_a_second_read(reader: SimulatedIdCardReader) -> None:
    reader.present(0)
    reader.read(timeout=1)
    with pytest.raises(NoCard):
        reader.read(timeout=0.05)
    reader.remove()
    reader.present(0)
    assert reader.read(timeout=1).id_number == reader.residents()[0].id_number


def test_fail_next_raises_once(reader: SimulatedIdCardReader) -> None:
    reader.present(2)
    reader.fail_next(CardRemoved())
    with pytest.raises(CardRemoved) as info:
        reader.read(timeout=1)
    assert info.value.reason == "card-removed"
    assert reader.read(timeout=1) == reader.residents()[2]


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


def test_closed_reader_is_offline(reader: SimulatedIdCardReader) -> None:
    reader.close()
    assert reader.status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceOffline):
        reader.read(timeout=0.1)
    reader.open()
    reader.present(0)
    assert reader.read(timeout=1)


def test_present_unknown_index(reader: SimulatedIdCardReader) -> None:
    with pytest.raises(Exception) as info:
        reader.present(99)
    assert getattr(info.value, "reason", "") == "no-such-card"


def test_repr_reveals_no_personal_data(reader: SimulatedIdCardReader) -> None:
    for doc in reader.residents():
        text = repr(doc) + str(doc) + repr([doc])
        assert doc.name not in text
        assert doc.id_number not in text
        assert doc.address not in text
        assert doc.id_number[:4] in text  # masked, still recognisable for support staff


def test_age() -> None:
    doc = SimulatedIdCardReader().residents()[1]
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
    assert SimulatedIdCardReader(str(good)).residents()[0].valid_until is None
    bad = tmp_path / "bad.json"
    bad.write_text('{"residents": [{"kind": "passport"}]}', encoding="utf-8")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(DeviceUnusable) as info:
            SimulatedIdCardReader(str(path))
        assert info.value.reason == "bad-config"
