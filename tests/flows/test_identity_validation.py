"""Every way of identifying refuses a name, ID number or phone the services cannot take."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from devices.idcard.base import IdentityDocument
from devices.idcard.simulated import load_residents
from kiosk.flows.identify.app_login import identity_from_app
from kiosk.identity import InvalidIdentity, resident_from_card
from kiosk.texts import error_text
from services.schemas import AppIdentity
from tests.validation_corpus import BAD_ID_NUMBERS, BAD_NAMES, BAD_PHONES


def _card() -> IdentityDocument:
    return next(p for p in load_residents() if p.kind == "id_card")


def test_every_simulated_resident_is_a_valid_identity() -> None:
    for person in load_residents():
        assert resident_from_card(person, "face").id_number == person.id_number


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_card_with_a_bad_name_is_refused(name: str) -> None:
    with pytest.raises(InvalidIdentity) as caught:
        resident_from_card(replace(_card(), name=name), "face")
    assert error_text(caught.value) == "证件信息无法识别，请到人工窗口办理。"


@pytest.mark.parametrize("number", BAD_ID_NUMBERS)
def test_a_bad_id_number_is_refused(number: str) -> None:
    with pytest.raises(InvalidIdentity):
        resident_from_card(replace(_card(), id_number=number), "face")
    with pytest.raises(InvalidIdentity):
        identity_from_app(AppIdentity(name="张小明", id_number=number))


@pytest.mark.parametrize("phone", BAD_PHONES)
def test_a_bad_phone_from_the_app_is_refused(phone: str) -> None:
    card = _card()
    with pytest.raises(InvalidIdentity):
        identity_from_app(AppIdentity(name="张小明", id_number=card.id_number, phone=phone))


def test_the_app_identity_keeps_the_birth_date() -> None:
    who = identity_from_app(AppIdentity(name="张\u5c0f明", id_number="11010519491231002X"))
    assert who.birth_date == date(1949, 12, 31)
    assert "\u202e" not in who.name_masked
