"""services.validation over the corpus, and the request schemas that use it."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from services import validation as v
from services.schemas import (FaceVerifyRequest, ProvisionalBookingRequest,
                              ResidentIn, SmsRequest)
from tests.validation_corpus import (BAD_ID_NUMBERS, BAD_NAMES, BAD_PHONES, GOOD_ID_NUMBERS,
                                     GOOD_NAMES, GOOD_PHONES)

GOOD = {"id_number": GOOD_ID_NUMBERS[0], "name": GOOD_NAMES[0], "phone": GOOD_PHONES[0]}


@pytest.mark.parametrize("value", GOOD_PHONES)
def test_good_phones(value: str) -> None:
    assert v.is_valid_phone(value)
    assert SmsRequest(phone=value).phone == value


@pytest.mark.parametrize("value", BAD_PHONES)
def test_bad_phones(value: str) -> None:
    assert not v.is_valid_phone(value)
    with pytest.raises(ValidationError):
        SmsRequest(phone=value)


@pytest.mark.parametrize("value", GOOD_NAMES)
def test_good_names(value: str) -> None:
    assert v.name_problem(value) is None
    assert ResidentIn(**{**GOOD, "name": value}).name == value


@pytest.mark.parametrize("value", BAD_NAMES)
def test_bad_names(value: str) -> None:
    assert v.name_problem(value)
    with pytest.raises(ValidationError):
        ResidentIn(**{**GOOD, "name": value})


@pytest.mark.parametrize("value", BAD_ID_NUMBERS)
def test_bad_id_numbers_in_every_request(value: str) -> None:
    with pytest.raises(ValidationError):
        ResidentIn(**{**GOOD, "id_number": value})
    with pytest.raises(ValidationError):
        FaceVerifyRequest(id_number=value, live_image="aGk=")


@pytest.mark.parametrize("field, value", [("id_number", 420102199001010014),
                                          ("phone", 13800138000), ("name", True)])
def test_no_coercion_in_bodies(field: str, value: Any) -> None:
    with pytest.raises(ValidationError):
        ResidentIn.model_validate({**GOOD, field: value})


def _provisional(made_at: str) -> dict[str, Any]:
    booking = {"item_id": "I", "hall_id": "H", "slot_id": "S", "resident": GOOD}
    return {"booking": booking, "local_reference": "P-123456", "terminal_id": "T1",
            "made_at": made_at}


def test_timestamps_need_a_timezone() -> None:
    aware = ProvisionalBookingRequest.model_validate_json(
        json.dumps(_provisional("2026-11-23T09:00:00+08:00")))
    assert aware.made_at.utcoffset() is not None
    with pytest.raises(ValidationError):
        ProvisionalBookingRequest.model_validate_json(json.dumps(_provisional("2026-11-23T09:00")))
    with pytest.raises(ValidationError):
        ProvisionalBookingRequest(**{**_provisional("x"), "made_at": datetime(2026, 11, 23, 9)})


@pytest.mark.parametrize("value, ok", [("2026-11-24", True), ("2026-11-24T00:00:00", False),
                                       ("2026-11-24 00:00", False), ("２０２６-11-24", False),
                                       ("20261124", False)])
def test_dates_without_time(value: str, ok: bool) -> None:
    if ok:
        assert v.date_only(value).isoformat() == value
    else:
        with pytest.raises(ValueError):
            v.date_only(value)


@pytest.mark.parametrize("value, ok", [("1", True), ("20", True), ("-3", True), ("1.0", False),
                                       ("1.5", False), ("１", False), ("1e2", False)])
def test_whole_numbers(value: str, ok: bool) -> None:
    if ok:
        assert v.whole_number(value) == int(value)
    else:
        with pytest.raises(ValueError):
            v.whole_number(value)


@pytest.mark.parametrize("key, ok", [("k-1", True), ("a" * 200, True), ("a" * 201, False),
                                     ("键", False), ("k\x7f", False), ("k\t1", False)])
def test_idempotency_key_shape(key: str, ok: bool) -> None:
    assert v.is_valid_idempotency_key(key) == ok
