"""PlatformClient: typed errors per status, validation, timeouts, retries and idempotency keys."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
import requests
from fake_platform import FakeReply, FakeRequest, fake_platform
from service_helpers import TODAY, request_for

from sandbox.testing import SandboxHandle
from services.client import PlatformClient
from services.errors import (BadResponse, Conflict, IdempotencyKeyReused, NotFound,
                             PlatformUnavailable, Rejected, Unauthorized)
from services.schemas import (PROBLEM_NOT_BOOKABLE, PROBLEM_SLOT_FULL, AppIdentity, Booking,
                              BookingRequest, ItemList, SlotList)

PROBLEM = "application/problem+json"


def test_get_validates_into_the_model(client: PlatformClient) -> None:
    result = client.get("/v1/items", {"q": "sbk", "level": None, "bookable": True}, ItemList)
    assert isinstance(result, ItemList) and result.total > 0
    assert all(i.bookable for i in result.items)


def test_unauthorized(platform: SandboxHandle) -> None:
    with PlatformClient(platform.url, "wrong-token") as c:
        with pytest.raises(Unauthorized) as exc:
            c.get("/v1/items", None, ItemList)
    assert exc.value.status == 401 and exc.value.message == "本终端未获授权，请联系工作人员。"


def test_not_found_carries_the_platform_title(client: PlatformClient) -> None:
    with pytest.raises(NotFound) as exc:
        client.get("/v1/items/NO-SUCH", None, ItemList)
    assert exc.value.message == "没有找到这个事项。"
    assert exc.value.problem_type == "urn:kiosk:problem:not-found"


def test_conflict_when_the_slot_is_full(client: PlatformClient) -> None:
    slot = f"HALL-JC-01-1@{TODAY.isoformat()}T09:00"  # a village station: 2 seats
    for n in range(2):
        client.post("/v1/bookings", request_for(slot, "HALL-JC-01-1", "GA-C037", n), Booking,
                    idempotency_key=f"full-{n}")
    with pytest.raises(Conflict) as exc:
        client.post("/v1/bookings", request_for(slot, "HALL-JC-01-1", "GA-C037", 9), Booking,
                    idempotency_key="full-9")
    assert exc.value.problem_type == PROBLEM_SLOT_FULL and exc.value.status == 409


def test_reused_key_and_other_rejections(client: PlatformClient) -> None:
    slot = f"HALL-CITY@{TODAY.isoformat()}T09:00"
    first = client.post("/v1/bookings", BookingRequest.model_validate(request_for(slot)),
                        Booking, idempotency_key="client-reuse")
    again = client.post("/v1/bookings", request_for(slot), Booking, idempotency_key="client-reuse")
    assert again.reference == first.reference
    with pytest.raises(IdempotencyKeyReused) as exc:
        client.post("/v1/bookings", request_for(slot, n=5), Booking, idempotency_key="client-reuse")
    assert isinstance(exc.value, Rejected) and exc.value.status == 422
    unbookable = client.get("/v1/items", {"bookable": False, "level": "市"}, ItemList).items[0]
    with pytest.raises(Rejected) as rej:
        client.post("/v1/bookings", request_for(slot, item=unbookable.id), Booking,
                    idempotency_key="client-nb")
    assert rej.value.problem_type == PROBLEM_NOT_BOOKABLE
    assert not isinstance(rej.value, IdempotencyKeyReused)
    with pytest.raises(Rejected):
        client.get("/v1/items", {"limit": 1000}, ItemList)


def test_idempotency_key_is_sent_on_writes_and_required() -> None:
    def answer(req: FakeRequest) -> FakeReply:
        return FakeReply(200, json.dumps({"slots": []}).encode())

    with fake_platform(answer) as fake, PlatformClient(fake.url, "t") as c:
        c.post("/v1/anything", {"a": 1}, SlotList, idempotency_key="key-123")
        c.get("/v1/anything", {"x": "1"}, SlotList)
        with pytest.raises(ValueError):
            c.post("/v1/anything", None, SlotList, idempotency_key=" ")
    post, get = fake.requests
    assert post.method == "POST" and post.headers["Idempotency-Key"] == "key-123"
    assert json.loads(post.body) == {"a": 1}
    assert post.headers["Authorization"] == "Bearer t"
    assert "Idempotency-Key" not in get.headers and get.path == "/v1/anything?x=1"


@pytest.mark.parametrize("reply", [
    FakeReply(200, b"<html>not json</html>", "text/html"),
    FakeReply(200, b'{"items": "nope", "total": 1}'),
    FakeReply(200, b'{"items": [{"id": 1}], "total": 1}'),
    FakeReply(200, b""),
    FakeReply(204, b""),
])
def test_invalid_answers_are_bad_responses(reply: FakeReply) -> None:
    with fake_platform(lambda req: reply) as fake, PlatformClient(fake.url, "t") as c:
        with pytest.raises(BadResponse) as exc:
            c.get("/v1/items", None, ItemList)
    assert exc.value.message.startswith("平台返回的数据有误")


@pytest.mark.parametrize("reply, expected, message", [
    (FakeReply(500, json.dumps({"type": "urn:kiosk:problem:internal", "title": "系统维护中",
                                "status": 500}).encode(), PROBLEM), PlatformUnavailable,
     "系统维护中"),
    (FakeReply(503, b"<h1>Bad gateway</h1>", "text/html"), PlatformUnavailable,
     PlatformUnavailable.message),
    (FakeReply(400, b"junk", "text/plain"), Rejected, Rejected.message),
    (FakeReply(409, b"{}"), Conflict, Conflict.message),
    (FakeReply(404, b'{"title": 1}'), NotFound, NotFound.message),
])
def test_status_codes_map_to_typed_errors(reply: FakeReply, expected: type,
                                          message: str) -> None:
    with fake_platform(lambda req: reply) as fake, PlatformClient(fake.url, "t") as c:
        with pytest.raises(expected) as exc:
            c.get("/v1/items", None, ItemList)
    assert exc.value.message == message and exc.value.status == reply.status


def test_timeout_is_unavailable_and_not_retried() -> None:
    with fake_platform(lambda req: FakeReply(200, b"{}", delay=1.0)) as fake:
        with PlatformClient(fake.url, "t", timeout=0.2) as c:
            with pytest.raises(PlatformUnavailable):
                c.get("/v1/items", None, ItemList)
            with pytest.raises(PlatformUnavailable):
                c.post("/v1/bookings", {}, Booking, idempotency_key="slow")
    assert [r.method for r in fake.requests] == ["GET", "POST"]  # one attempt each


def test_nothing_listening_is_unavailable() -> None:
    with fake_platform(lambda req: FakeReply()) as fake:
        url = fake.url  # the port is closed again after the block
    with PlatformClient(url, "t", timeout=1) as c:
        with pytest.raises(PlatformUnavailable):
            c.get("/v1/items", None, ItemList)
        with pytest.raises(PlatformUnavailable):
            c.post("/v1/bookings", {}, Booking, idempotency_key="k")


class FlakySession(requests.Session):
    """Fails the first request of each method with a connection error, then behaves."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        self.calls.append(str(method))
        if self.calls.count(str(method)) == 1:
            raise requests.ConnectionError("connection reset")
        return super().request(method, url, *args, **kwargs)


def test_gets_are_retried_once_writes_never(platform: SandboxHandle) -> None:
    session = FlakySession()
    with PlatformClient(platform.url, platform.token, session=session) as c:
        assert c.get("/v1/items", {"q": "sbk"}, ItemList).total > 0
        assert session.calls == ["GET", "GET"]
        slot = f"HALL-CITY@{(TODAY + timedelta(days=3)).isoformat()}T09:00"
        with pytest.raises(PlatformUnavailable):
            c.post("/v1/bookings", request_for(slot), Booking, idempotency_key="flaky")
        assert session.calls == ["GET", "GET", "POST"]
        # The outbox would now resend with the same key: exactly one booking results.
        booking = c.post("/v1/bookings", request_for(slot), Booking, idempotency_key="flaky")
        assert booking.status == "confirmed"


class DeadSession(requests.Session):
    """Every request fails with the given connection error."""

    def __init__(self, error: type[requests.RequestException]) -> None:
        super().__init__()
        self.error = error
        self.calls: list[str] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any,
                **kwargs: Any) -> requests.Response:
        self.calls.append(str(method))
        raise self.error("down")


@pytest.mark.parametrize("error", [requests.ConnectionError, requests.ConnectTimeout])
def test_a_get_is_retried_once_only_then_unavailable(error: type[requests.RequestException]
                                                     ) -> None:
    session = DeadSession(error)
    with PlatformClient("https://platform.invalid", "t", session=session) as c:
        with pytest.raises(PlatformUnavailable) as exc:
            c.get("/v1/items", None, ItemList)
        assert exc.value.detail == error.__name__
        assert session.calls == ["GET", "GET"]
        with pytest.raises(PlatformUnavailable):
            c.post("/v1/bookings", {}, Booking, idempotency_key="k")
        assert session.calls == ["GET", "GET", "POST"]


def test_a_double_booking_is_a_conflict_naming_the_booking_held(client: PlatformClient) -> None:
    from services.errors import DuplicateBooking
    first = client.post("/v1/bookings", request_for(f"HALL-CITY@{TODAY.isoformat()}T14:00",
                                                    n=70), Booking, idempotency_key="dup-c-1")
    with pytest.raises(DuplicateBooking) as exc:
        client.post("/v1/bookings", request_for(f"HALL-JC@{TODAY.isoformat()}T15:00", "HALL-JC",
                                                n=70), Booking, idempotency_key="dup-c-2")
    assert isinstance(exc.value, Conflict) and exc.value.status == 409
    held = exc.value.held
    assert held is not None and held.reference == first.reference
    assert held.hall_name == first.hall_name and held.start == first.start
    assert "11010519491231" not in str(exc.value)  # no ID number in what a log could show


def test_a_double_booking_with_garbled_members_is_still_a_plain_conflict() -> None:
    from services.errors import DuplicateBooking
    body = {"type": "urn:kiosk:problem:duplicate-booking", "title": "已预约过。", "status": 409,
            "reference": 7, "start": "not a time"}

    def answer(req: FakeRequest) -> FakeReply:
        return FakeReply(409, json.dumps(body).encode(), PROBLEM)

    with fake_platform(answer) as fake, PlatformClient(fake.url, "t") as c:
        with pytest.raises(DuplicateBooking) as exc:
            c.post("/v1/bookings", {"a": 1}, Booking, idempotency_key="k")
    assert exc.value.held is None and exc.value.message == "已预约过。"


@pytest.mark.parametrize("content_type", ["text/html", "text/plain; charset=iso-8859-1",
                                          "application/json; charset=utf-16"])
def test_a_json_body_is_read_as_utf8_whatever_its_label(content_type: str) -> None:
    # Found by make fuzz: requests decodes text/* as Latin-1, so a mislabelled answer
    # validated with every Chinese name turned into mojibake.
    body = json.dumps({"name": "张三明", "id_number": "420102199003071234"},
                      ensure_ascii=False).encode()
    with fake_platform(lambda req: FakeReply(200, body, content_type)) as fake, \
            PlatformClient(fake.url, "t") as c:
        assert c.get("/v1/x", None, AppIdentity).name == "张三明"
