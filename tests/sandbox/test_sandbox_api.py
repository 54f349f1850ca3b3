"""Auth, problem documents, halls, slots and the OpenAPI document of the sandbox."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import uvicorn
from sandbox_helpers import TODAY, Api, assert_problem

from sandbox.app import create_app
from sandbox.testing import free_port
from services.schemas import (PROBLEM_INTERNAL, PROBLEM_INVALID_REQUEST, PROBLEM_NOT_BOOKABLE,
                              PROBLEM_NOT_FOUND, PROBLEM_SLOT_UNAVAILABLE, PROBLEM_UNAUTHORIZED,
                              HallList)

ROOT = Path(__file__).resolve().parents[2]
MONDAY = TODAY.isoformat()


def test_healthz_needs_no_token(api: Api) -> None:
    r = requests.get(api.url + "/healthz", timeout=5)
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_v1_needs_a_known_bearer_token(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdA=="},
                    {"Authorization": "Bearer "}):
        r = requests.get(api.url + "/v1/items", headers=headers, timeout=5)
        assert_problem(r, 401, PROBLEM_UNAUTHORIZED)
        assert r.headers.get("www-authenticate") == "Bearer"
    r = requests.post(api.url + "/v1/bookings", json={}, timeout=5)
    assert_problem(r, 401, PROBLEM_UNAUTHORIZED)


def test_every_configured_token_works(api: Api) -> None:
    r = requests.get(api.url + "/v1/departments", timeout=5,
                     headers={"Authorization": "Bearer second-token"})
    assert r.status_code == 200


def test_unknown_route_and_wrong_method_are_problems(api: Api) -> None:
    assert_problem(api.get("/v1/nothing-here"), 404, PROBLEM_NOT_FOUND)
    r = api.http.delete(api.url + "/v1/items", headers=api.auth, timeout=5)
    assert_problem(r, 405)
    assert "GET" in r.headers["allow"]


def test_malformed_json_body_is_a_problem(api: Api) -> None:
    r = api.http.post(api.url + "/v1/bookings", data=b"{not json", timeout=5,
                      headers={**api.auth, "Idempotency-Key": "malformed-1",
                               "Content-Type": "application/json"})
    body = assert_problem(r, 422, PROBLEM_INVALID_REQUEST)
    assert "json_invalid" in body["detail"]


def test_invalid_body_problem_does_not_echo_personal_data(api: Api) -> None:
    body = {"item_id": "RS-S001", "hall_id": "HALL-CITY", "slot_id": "x",
            "resident": {"id_number": "42010219900101123", "name": "王大锤", "phone": "12"}}
    r = api.post("/v1/bookings", body, key="invalid-1")
    problem = assert_problem(r, 422, PROBLEM_INVALID_REQUEST)
    assert "resident.id_number" in problem["detail"] and "resident.phone" in problem["detail"]
    assert "42010219900101123" not in r.text and "王大锤" not in r.text


def test_halls(api: Api) -> None:
    halls = HallList.model_validate(api.get("/v1/halls").json()).halls
    assert len(halls) >= 30
    assert all(h.address.startswith("江汉市") and h.hours for h in halls)
    assert all(h.township for h in halls if h.level in ("乡镇", "村"))


def test_halls_serving_an_item_follow_the_level_rule(api: Api) -> None:
    def levels(item_id: str) -> set[str]:
        r = api.get("/v1/halls", {"item": item_id})
        assert r.status_code == 200, r.text
        return {h["level"] for h in r.json()["halls"]}

    items = api.get("/v1/items", {"q": "社会保障卡申领"}).json()["items"]
    by_level = {i["level"]: i["id"] for i in items}
    assert levels(by_level["市"]) == {"市", "区"}
    assert levels(by_level["区"]) == {"区"}
    assert levels(by_level["乡镇"]) == {"乡镇", "区"}
    village = api.get("/v1/items", {"level": "村", "bookable": "true"}).json()["items"][0]
    assert levels(village["id"]) == {"村", "乡镇"}
    assert_problem(api.get("/v1/halls", {"item": "NO-SUCH"}), 404, PROBLEM_NOT_FOUND)


def test_slots_shape(api: Api) -> None:
    r = api.get("/v1/items/RS-S001/slots", {"hall": "HALL-CITY", "date": MONDAY})
    slots = r.json()["slots"]
    assert len(slots) == 14  # 9:00-12:00 and 13:30-17:30 in half hours
    first = slots[0]
    assert first["start"] == f"{MONDAY}T09:00:00+08:00"
    assert first["end"] == f"{MONDAY}T09:30:00+08:00"
    assert first["id"] == f"HALL-CITY@{MONDAY}T09:00"
    assert 2 <= first["remaining"] <= 5


def test_slots_outside_the_window_are_empty(api: Api) -> None:
    for day in (TODAY - timedelta(days=1), TODAY + timedelta(days=6),  # Sunday
                TODAY + timedelta(days=14)):
        r = api.get("/v1/items/RS-S001/slots", {"hall": "HALL-CITY", "date": day.isoformat()})
        assert r.status_code == 200 and r.json() == {"slots": []}, day


def test_slots_problems(api: Api) -> None:
    p = {"hall": "HALL-CITY", "date": MONDAY}
    assert_problem(api.get("/v1/items/NO-SUCH/slots", p), 404, PROBLEM_NOT_FOUND)
    assert_problem(api.get("/v1/items/RS-S001/slots", {**p, "hall": "NOPE"}), 404)
    assert_problem(api.get("/v1/items/RS-S001/slots", {**p, "date": "2026-13-01"}), 422,
                   PROBLEM_INVALID_REQUEST)
    assert_problem(api.get("/v1/items/RS-S001/slots", {"date": MONDAY}), 422)
    # 区 items are not handled at the city hall.
    assert_problem(api.get("/v1/items/RS-Q002/slots", p), 422, PROBLEM_SLOT_UNAVAILABLE)
    query_item = api.get("/v1/items", {"bookable": "false", "level": "市"}).json()["items"][0]
    assert_problem(api.get(f"/v1/items/{query_item['id']}/slots", p), 422, PROBLEM_NOT_BOOKABLE)


def test_served_openapi_equals_the_committed_document(api: Api) -> None:
    committed = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    served = requests.get(api.url + "/openapi.json", timeout=5).json()
    assert served == committed, "refresh with: kiosk-sandbox openapi --out docs/openapi.json"
    assert "/v1/bookings" in served["paths"] and "/v1/items/{item_id}/slots" in served["paths"]
    refs = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(served)))
    assert refs and refs <= set(served["components"]["schemas"])
    conflict = served["paths"]["/v1/bookings"]["post"]["responses"]["409"]["content"]
    assert list(conflict) == ["application/problem+json"]


def test_openapi_command_prints_the_committed_document() -> None:
    out = subprocess.run([sys.executable, "-m", "sandbox", "openapi"], cwd=ROOT, check=True,
                         capture_output=True, text=True, timeout=60).stdout
    assert out == (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")


def test_internal_errors_are_problems_without_traceback(tmp_path: Path,
                                                        capfd: pytest.CaptureFixture[str],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    """An unexpected exception answers 500 problem+json and logs neither traceback nor data."""
    app = create_app(str(tmp_path / "boom.db"), ["t"], TODAY)

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret 110105194912310000 张三")

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="info"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        r = requests.get(f"http://127.0.0.1:{port}/v1/boom", timeout=5,
                         headers={"Authorization": "Bearer t"})
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    body = assert_problem(r, 500, PROBLEM_INTERNAL)
    assert "secret" not in r.text
    out, err = capfd.readouterr()
    logged = out + err + caplog.text
    assert "internal error RuntimeError" in logged  # the class only, for whoever runs it
    assert "Traceback" not in logged and "secret" not in logged and "张三" not in logged
    assert body["instance"] == "/v1/boom"
