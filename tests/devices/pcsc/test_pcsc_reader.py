"""The PC/SC backend on a real pcscd with vsmartcard-vpcd and an emulated social-security card."""

from __future__ import annotations

import os
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from vpcd_card import READER, SSN, SocialSecurityCardEmulator, VpcdCard, default_files, eventually

from devices.base import CardRemoved, DeviceOffline, DeviceState, NoCard
from devices.events import DeviceEvent
from devices.idcard.ga467_protocol import InvalidCardData
from devices.idcard.pcsc import PcscReader
from devices.idcard.social_security import NotSocialSecurityCard

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "services" / "pcscd.sh"


def test_readers_are_listed(reader: PcscReader) -> None:
    assert READER in reader.readers()


def test_reads_the_social_security_card(reader: PcscReader, vcard: VpcdCard) -> None:
    vcard.insert()
    card = reader.read_card(timeout=5)
    doc = card.document
    assert card.card_number == "A12345678"
    assert (doc.kind, doc.name, doc.id_number, doc.sex, doc.nation) == \
        ("social_security_card", "王秀英", SSN, "女", "回")
    assert doc.birth_date == date(1955, 6, 21)
    assert (doc.valid_from, doc.valid_until) == (date(2020, 1, 15), date(2030, 1, 15))
    log = vcard.card.log
    assert any(a.startswith("00C00000") for a in log), "61xx must be followed by GET RESPONSE"
    assert "00B2070400" in log and "00B207040B" in log, "6Cxx must be answered by a resend"
    assert "王秀英" not in repr(card) and SSN not in repr(card) and "A12345678" not in repr(card)


def test_optional_fields_come_from_the_id_number(reader: PcscReader, vcard: VpcdCard) -> None:
    files = default_files()
    for number in (0x03, 0x04, 0x06):
        del files[b"\xef\x06"][number]
    vcard.card = SocialSecurityCardEmulator(files)
    vcard.insert()
    doc = reader.read(timeout=5)
    assert (doc.sex, doc.nation, doc.birth_date) == ("女", "", date(1955, 6, 21))


def test_cards_numbered_as_the_specification(reader: PcscReader, vcard: VpcdCard) -> None:
    files = default_files()
    ef06 = files[b"\xef\x06"]
    files[b"\xef\x06"] = {new: ef06[old] for old, new in
                          ((0x01, 0x08), (0x02, 0x09), (0x03, 0x0A), (0x04, 0x0B), (0x06, 0x0D))}
    vcard.card = SocialSecurityCardEmulator(files)
    vcard.insert()
    doc = reader.read(timeout=5)
    assert (doc.name, doc.id_number, doc.nation) == ("王秀英", SSN, "回")


def test_card_must_be_removed_before_next_read(reader: PcscReader, vcard: VpcdCard) -> None:
    vcard.insert()
    reader.read(timeout=5)
    with pytest.raises(NoCard):
        reader.read(timeout=0.5)
    vcard.remove()
    vcard.insert()
    assert reader.read(timeout=5).id_number == SSN


def test_card_pulled_mid_read(reader: PcscReader, vcard: VpcdCard) -> None:
    vcard.pull_after = 4
    vcard.insert()
    with pytest.raises(CardRemoved):
        reader.read(timeout=5)


def test_other_cards_are_refused_plainly(reader: PcscReader, vcard: VpcdCard) -> None:
    vcard.card = SocialSecurityCardEmulator(has_app=False)
    vcard.insert()
    with pytest.raises(NotSocialSecurityCard):
        reader.read(timeout=5)


def test_bad_check_digit(reader: PcscReader, vcard: VpcdCard) -> None:
    files = default_files()
    bad = SSN[:17] + ("1" if SSN[17] != "1" else "2")
    files[b"\xef\x06"][0x01] = bad.encode()
    vcard.card = SocialSecurityCardEmulator(files)
    vcard.insert()
    with pytest.raises(InvalidCardData) as info:
        reader.read(timeout=5)
    assert info.value.reason == "bad-id-number" and bad not in str(info.value)


def test_no_card_times_out_and_status_says_no_media(reader: PcscReader) -> None:
    assert reader.status().state is DeviceState.NO_MEDIA
    with pytest.raises(NoCard):
        reader.read(timeout=0.3)


def test_status_online_with_a_card(reader: PcscReader, vcard: VpcdCard) -> None:
    vcard.insert()
    assert eventually(lambda: reader.status().state is DeviceState.ONLINE)


def test_missing_reader_is_said_plainly(vpcd_port: int) -> None:
    reader = PcscReader("Reader That Is Not Plugged In")
    reader.open()
    try:
        with pytest.raises(DeviceOffline) as info:
            reader.read(timeout=5)
        assert info.value.reason == "no-reader"
        assert "no PC/SC card reader" in str(info.value)
        assert reader.status().reason == "no-reader"
    finally:
        reader.close()


def test_cancel(reader: PcscReader) -> None:
    threading.Timer(0.2, reader.cancel).start()
    with pytest.raises(NoCard) as info:
        reader.read(timeout=30)
    assert info.value.reason == "cancelled"


def test_events_on_the_bus_thread(reader: PcscReader, vcard: VpcdCard) -> None:
    seen: list[tuple[DeviceEvent, str]] = []
    reader.subscribe(lambda e: seen.append((e, threading.current_thread().name)))
    vcard.insert()
    assert eventually(lambda: any(e.kind == "card-inserted" for e, _ in seen))
    vcard.remove()
    assert eventually(lambda: any(e.kind == "card-removed" for e, _ in seen))
    assert {t for _, t in seen} == {"pcsc-events"}
    assert all(e.source == READER for e, _ in seen if e.kind.startswith("card"))


def test_reader_found_again_after_pcscd_restart(reader: PcscReader, vcard: VpcdCard) -> None:
    if not os.environ.get("KIOSK_TEST_PCSCD_DIR"):
        pytest.fail("KIOSK_TEST_PCSCD_DIR not set: run through scripts/with-test-services.sh")
    kinds: list[str] = []
    reader.subscribe(lambda e: kinds.append(f"{e.kind}:{e.source}"))
    vcard.insert()
    reader.read(timeout=5)
    vcard.remove()
    subprocess.run(["bash", str(SCRIPT), "restart", "1"], check=True, timeout=30)
    assert eventually(lambda: f"reader-added:{READER}" in kinds[kinds.index("service-lost:pcscd")
                      if "service-lost:pcscd" in kinds else len(kinds):], timeout=10), kinds
    vcard.insert()
    assert reader.read(timeout=5).id_number == SSN


def test_is_an_idcard_reader_and_logs_nothing_personal(
        reader: PcscReader, vcard: VpcdCard, caplog: pytest.LogCaptureFixture) -> None:
    from devices.idcard.base import IdCardReader
    assert isinstance(reader, IdCardReader)
    caplog.set_level("DEBUG")
    vcard.insert()
    card = reader.read_card(timeout=5)
    text = caplog.text + repr(reader.diagnostics()) + repr(card)
    assert "王秀英" not in text and SSN not in text and "A12345678" not in text
