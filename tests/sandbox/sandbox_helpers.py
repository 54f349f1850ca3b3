"""Helpers shared by the sandbox tests: the frozen day, an HTTP helper and problem checks."""

from __future__ import annotations

from datetime import date
from typing import Any

import requests

from sandbox.testing import SandboxHandle
from tests.validation_corpus import id_number

#: A Monday, so the booking window holds both weekdays, a Saturday and Sundays.
TODAY = date(2026, 11, 23)
TOKENS = ["test-token", "second-token"]


class Api:
    """Raw HTTP against the sandbox, so the tests see exactly what goes over the wire."""

    def __init__(self, handle: SandboxHandle) -> None:
        self.url = handle.url
        self.handle = handle
        self.http = requests.Session()
        self.auth = {"Authorization": f"Bearer {handle.token}"}

    def get(self, path: str, params: dict[str, Any] | None = None,
            **headers: str) -> requests.Response:
        return self.http.get(self.url + path, params=params, headers={**self.auth, **headers},
                             timeout=10)

    def post(self, path: str, body: Any = None, key: str | None = None,
             **headers: str) -> requests.Response:
        h = {**self.auth, **headers}
        if key is not None:
            h["Idempotency-Key"] = key
        return self.http.post(self.url + path, json=body, headers=h, timeout=10)


def resident(n: int = 0) -> dict[str, str]:
    """A made-up resident; `n` varies the ID number so bodies differ."""
    return {"id_number": id_number(f"42010219900101{n:03d}"), "name": "张小明",
            "phone": "13800138000"}


def booking_body(item_id: str, hall_id: str, slot_id: str, n: int = 0) -> dict[str, Any]:
    return {"item_id": item_id, "hall_id": hall_id, "slot_id": slot_id, "resident": resident(n)}


def assert_problem(response: requests.Response, status: int, type_: str | None = None) -> dict:
    """The response is RFC 9457 problem+json with a Chinese title."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:kiosk:problem:")
    if type_ is not None:
        assert body["type"] == type_
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["title"]), body["title"]
    assert "Traceback" not in response.text
    return dict(body)
