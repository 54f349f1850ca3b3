"""Strict validation over real HTTP: every bad ID number, phone, name, date, number or key is a
422 (400 for the key) problem+json, never a booking."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from sandbox_helpers import Api, assert_problem, booking_body

from services.schemas import PROBLEM_INVALID_REQUEST
from tests.validation_corpus import BAD_ID_NUMBERS, BAD_NAMES, BAD_PHONES, id_number

SLOT = "HALL-CITY@2026-11-24T09:00"


def _booking(**resident: Any) -> dict[str, Any]:
    body = booking_body("ITEM-NONE", "HALL-CITY", SLOT)
    body["resident"].update(resident)
    return body


@pytest.mark.parametrize("value", BAD_ID_NUMBERS)
def test_bad_id_numbers_are_refused(api: Api, value: str) -> None:
    key = "bad-id-" + value.encode().hex()[:100]  # ASCII, as a key must be
    r = api.post("/v1/bookings", _booking(id_number=value), key=key)
    assert_problem(r, 422, PROBLEM_INVALID_REQUEST)
    r = api.post("/v1/identity/face-verify", {"id_number": value, "live_image": "aGk="},
                 key="face-bad-id")
    assert_problem(r, 422, PROBLEM_INVALID_REQUEST)


@pytest.mark.parametrize("value", BAD_PHONES)
def test_bad_phones_are_refused(api: Api, value: str) -> None:
    assert_problem(api.post("/v1/bookings", _booking(phone=value), key="bad-phone"), 422,
                   PROBLEM_INVALID_REQUEST)
    assert_problem(api.post("/v1/bookings/YY0000000000/sms", {"phone": value}, key="sms-bad"),
                   422, PROBLEM_INVALID_REQUEST)


@pytest.mark.parametrize("value", BAD_NAMES)
def test_bad_names_are_refused(api: Api, value: str) -> None:
    assert_problem(api.post("/v1/bookings", _booking(name=value), key="bad-name"), 422,
                   PROBLEM_INVALID_REQUEST)


@pytest.mark.parametrize("field, value", [("id_number", 420102199001010014),
                                          ("phone", 13800138000), ("name", True)])
def test_json_values_keep_their_type(api: Api, field: str, value: Any) -> None:
    assert_problem(api.post("/v1/bookings", _booking(**{field: value}), key="bad-type"), 422,
                   PROBLEM_INVALID_REQUEST)


def test_provisional_times_need_a_timezone(api: Api) -> None:
    body = {"booking": _booking(), "local_reference": "P-123456", "terminal_id": "T1",
            "made_at": "2026-11-23T09:00:00"}
    assert_problem(api.post("/v1/bookings/provisional", body, key="naive-time"), 422,
                   PROBLEM_INVALID_REQUEST)


@pytest.mark.parametrize("day", ["2026-11-24T00:00:00", "2026-11-24 00:00", "20261124"])
def test_slot_dates_have_no_time(api: Api, day: str) -> None:
    r = api.get("/v1/items/ITEM-NONE/slots", {"hall": "HALL-CITY", "date": day})
    assert_problem(r, 422, PROBLEM_INVALID_REQUEST)


@pytest.mark.parametrize("limit", ["1.0", "2.5", "１"])
def test_query_integers_are_whole(api: Api, limit: str) -> None:
    assert_problem(api.get("/v1/items", {"limit": limit}), 422, PROBLEM_INVALID_REQUEST)


def test_query_strings_still_work(api: Api) -> None:
    r = api.get("/v1/items", {"limit": "3", "offset": "0", "bookable": "true"})
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) <= 3


@pytest.mark.parametrize("key", ["a" * 201, "键-1", "k\x7f1"])
def test_idempotency_key_is_bounded_ascii(api: Api, key: str) -> None:
    # As bytes, so that requests sends the UTF-8 of 键 as it is.
    headers: dict[str, Any] = {**api.auth, "Idempotency-Key": key.encode("utf-8")}
    r = api.http.post(api.url + "/v1/bookings", json=_booking(), timeout=10, headers=headers)
    assert_problem(r, 400, PROBLEM_INVALID_REQUEST)


def test_two_idempotency_keys_are_refused(api: Api) -> None:
    session = requests.Session()
    prepared = session.prepare_request(requests.Request(
        "POST", api.url + "/v1/bookings", json=_booking(), headers=api.auth))
    # requests folds repeated headers, so the second one goes in below the dict.
    prepared.headers["Idempotency-Key"] = "k-1"
    raw = [(k, v) for k, v in prepared.headers.items()] + [("Idempotency-Key", "k-2")]
    r = _post_raw(api, prepared.body, raw)
    assert_problem(r, 400, PROBLEM_INVALID_REQUEST)


def _post_raw(api: Api, body: Any, headers: list[tuple[str, str]]) -> requests.Response:
    import http.client
    from urllib.parse import urlsplit
    url = urlsplit(api.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        conn.putrequest("POST", "/v1/bookings", skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders(body if isinstance(body, bytes) else str(body).encode())
        answer = conn.getresponse()
        r = requests.Response()
        r.status_code = answer.status
        r.headers.update({k: v for k, v in answer.getheaders()})
        r._content = answer.read()
        return r
    finally:
        conn.close()


def test_a_good_resident_with_the_check_digit_is_accepted_by_validation(api: Api) -> None:
    r = api.post("/v1/bookings", _booking(id_number=id_number("42010219900101999")), key="ok-1")
    # Past validation: the unknown item is refused as such, not as an invalid request.
    assert assert_problem(r, 422)["type"] != PROBLEM_INVALID_REQUEST
