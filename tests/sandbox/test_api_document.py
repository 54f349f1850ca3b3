"""The API documents against the running sandbox, route by route: statuses, headers, keys."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from sandbox_helpers import TODAY, Api, assert_problem, booking_body

from sandbox.api_document import TOOLS_DOCUMENT_PATH
from services.schemas import (PROBLEM_IDEMPOTENCY_KEY_MISSING, PROBLEM_INVALID_REQUEST,
                              PROBLEM_UNAUTHORIZED)

ROOT = Path(__file__).resolve().parents[2]
TOOLS_FILE = ROOT / "docs" / "sandbox-tools.openapi.json"
METHODS = ("get", "post", "put", "patch", "delete")

#: A request per operation that the server must refuse with 422 (path, query, body, key).
#: Per operation: a path, query and body it refuses with 422, and headers to send (optional).
INVALID: dict[str, tuple[Any, ...]] = {
    "search_items_v1_items_get": ("/v1/items", {"limit": "0"}, None),
    "get_item_v1_items__item_id__get": ("/v1/items/" + "x" * 51, {}, None),
    "halls_v1_halls_get": ("/v1/halls", {"item": "x" * 51}, None),
    "slots_v1_items__item_id__slots_get": ("/v1/items/RS-S001/slots", {"date": "x"}, None),
    "create_booking_v1_bookings_post": ("/v1/bookings", {}, []),
    "get_booking_v1_bookings__reference__get": ("/v1/bookings/" + "Y" * 41, {}, None),
    "cancel_booking_v1_bookings__reference__cancel_post": (
        "/v1/bookings/" + "Y" * 41 + "/cancel", {}, None),
    "face_verify_v1_identity_face_verify_post": ("/v1/identity/face-verify", {}, []),
    "send_booking_sms_v1_bookings__reference__sms_post": (
        "/v1/bookings/YY1/sms", {}, {"phone": "12"}),
    "deliver_provisional_booking_v1_bookings_provisional_post": (
        "/v1/bookings/provisional", {}, {}),
    "app_login_v1_identity_app_login_post": ("/v1/identity/app-login", {}, {}),
    "issue_code_sandbox_app_login_codes_post": ("/sandbox/app-login-codes", {}, {}),
    "open_resident_session_v1_identity_sessions_post": (
        "/v1/identity/sessions", {}, {"method": "fingerprint"}),
    "end_resident_session_v1_identity_sessions_current_delete": (
        "/v1/identity/sessions/current", {}, None, {"X-Resident-Session": "x" * 101}),
}


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in doc["paths"].items()
            for method, op in item.items() if method in METHODS]


def resolve(doc: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    """A response object, following a $ref into components/responses."""
    ref = response.get("$ref")
    if ref is None:
        return response
    return dict(doc["components"]["responses"][ref.rsplit("/", 1)[1]])


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "YY1", path)


def send(api: Api, method: str, path: str, *, body: Any = None, data: bytes | None = None,
         params: dict[str, str] | None = None, headers: dict[str, str] | None = None,
         auth: bool = True) -> requests.Response:
    h = {**(api.auth if auth else {}), **(headers or {})}
    if data is not None:
        h["Content-Type"] = "application/json"
    return api.http.request(method.upper(), api.url + path, params=params, headers=h,
                            json=body if data is None else None, data=data, timeout=10)


@pytest.fixture(scope="module")
def doc(api: Api) -> dict[str, Any]:
    return dict(api.get("/openapi.json").json())


@pytest.fixture(scope="module")
def tools_doc(api: Api) -> dict[str, Any]:
    return dict(api.get(TOOLS_DOCUMENT_PATH).json())


def test_every_error_documented_is_problem_json_of_the_problem_schema(
        doc: dict[str, Any], tools_doc: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in json.dumps(doc) + json.dumps(tools_doc)
    for d in (doc, tools_doc):
        for path, method, op in operations(d):
            for status, response in op["responses"].items():
                if int(status) < 400:
                    continue
                content = resolve(d, response)["content"]
                assert list(content) == ["application/problem+json"], (method, path, status)
                assert "components/schemas/Problem" in json.dumps(content), (method, path)


def test_a_body_that_is_not_utf8_is_400_problem_json_where_documented(
        api: Api, doc: dict[str, Any]) -> None:
    with_body = [(p, m, op) for p, m, op in operations(doc) if "requestBody" in op]
    assert len(with_body) >= 5
    for path, method, op in with_body:
        r = send(api, method, concrete(path), data=b'{"phone": "\xff\xfe"}',
                 headers={"Idempotency-Key": "not-utf8-" + op["operationId"]})
        assert_problem(r, 400, PROBLEM_INVALID_REQUEST)
        assert "400" in op["responses"], path


def test_every_route_that_validates_answers_422_problem_json(
        api: Api, doc: dict[str, Any], tools_doc: dict[str, Any]) -> None:
    documented = {op["operationId"]: (method, op) for d in (doc, tools_doc)
                  for _, method, op in operations(d) if "422" in op["responses"]}
    assert set(documented) == set(INVALID), "add a refused request for each new route"
    for operation_id, (path, params, body, *headers) in INVALID.items():
        method, _ = documented[operation_id]
        r = send(api, method, path, params=params, body=body,
                 headers={"Idempotency-Key": "invalid-" + operation_id, **(headers or [{}])[0]})
        assert_problem(r, 422, PROBLEM_INVALID_REQUEST)


def test_routes_without_anything_to_validate_document_no_422(doc: dict[str, Any]) -> None:
    for path in ("/v1/departments", "/v1/life-events", "/healthz"):
        assert "422" not in doc["paths"][path]["get"]["responses"], path


def test_idempotency_key_is_required_exactly_where_the_server_requires_it(
        api: Api, doc: dict[str, Any]) -> None:
    writes = [(p, m, op) for p, m, op in operations(doc) if m == "post"]
    required = set()
    for path, method, op in writes:
        keys = [p for p in op.get("parameters", []) if p["name"] == "Idempotency-Key"]
        if keys and keys[0]["required"]:
            required.add(path)
        r = send(api, method, concrete(path), body={})
        refused = r.status_code == 400 and r.json()["type"] == PROBLEM_IDEMPOTENCY_KEY_MISSING
        assert refused == (path in required), (path, r.status_code, r.text)
    assert required == {"/v1/bookings", "/v1/bookings/provisional",
                        "/v1/bookings/{reference}/cancel", "/v1/bookings/{reference}/sms"}
    schema = doc["paths"]["/v1/bookings"]["post"]["parameters"][0]["schema"]
    assert schema["minLength"] == 1 and schema["maxLength"] == 200


def test_a_blank_key_is_missing_and_a_good_one_is_taken(api: Api) -> None:
    slot = api.get("/v1/items/RS-S001/slots",
                   {"hall": "HALL-CITY", "date": TODAY.isoformat()}).json()["slots"][-1]
    body = booking_body("RS-S001", "HALL-CITY", slot["id"], n=771)
    assert_problem(api.post("/v1/bookings", body, key=""), 400,
                   PROBLEM_IDEMPOTENCY_KEY_MISSING)
    assert api.post("/v1/bookings", body, key="doc-key-1").status_code == 201


def test_rate_limited_routes_document_429_with_retry_after(doc: dict[str, Any]) -> None:
    limited = {(p, m) for p, m, op in operations(doc) if "429" in op["responses"]}
    assert limited == {("/v1/bookings/{reference}", "get"),
                       ("/v1/bookings/{reference}/cancel", "post"),
                       ("/v1/bookings/{reference}/sms", "post")}
    for path, method in limited:
        answer = resolve(doc, doc["paths"][path][method]["responses"]["429"])
        assert answer["headers"]["Retry-After"]["schema"]["type"] == "integer"


def test_catalogue_reads_document_etag_and_304(api: Api, doc: dict[str, Any]) -> None:
    for path in ("/v1/items", "/v1/items/{item_id}", "/v1/departments", "/v1/life-events",
                 "/v1/halls"):
        op = doc["paths"][path]["get"]
        assert "ETag" in op["responses"]["200"]["headers"] and "304" in op["responses"]
        assert "If-None-Match" in [p["name"] for p in op["parameters"]]
    first = api.get("/v1/departments")
    again = api.get("/v1/departments", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == first.headers["etag"]
    assert "304" not in doc["paths"]["/v1/items/{item_id}/slots"]["get"]["responses"]


def test_401_is_documented_and_sent_on_every_route_that_needs_a_token(
        api: Api, doc: dict[str, Any], tools_doc: dict[str, Any]) -> None:
    for d in (doc, tools_doc):
        for path, method, op in operations(d):
            if path == "/healthz":
                assert "401" not in op["responses"] and "security" not in op
                continue
            answer = resolve(d, op["responses"]["401"])
            assert "Bearer" in answer["headers"]["WWW-Authenticate"]["schema"]["enum"]
            r = send(api, method, concrete(path), body={}, auth=False)
            assert_problem(r, 401, PROBLEM_UNAUTHORIZED)
            assert r.headers["www-authenticate"] == "Bearer"


def test_the_tools_document_is_separate_from_platform_api_v1(
        doc: dict[str, Any], tools_doc: dict[str, Any]) -> None:
    assert not [p for p in doc["paths"] if p.startswith("/sandbox")]
    assert set(tools_doc["paths"]) == {"/sandbox/ledger", "/sandbox/sms",
                                       "/sandbox/app-login-codes"}
    assert tools_doc == json.loads(TOOLS_FILE.read_text(encoding="utf-8")), \
        "refresh with: kiosk-sandbox openapi --sandbox-tools --out " \
        "docs/sandbox-tools.openapi.json"


def test_openapi_command_prints_the_committed_tools_document() -> None:
    out = subprocess.run([sys.executable, "-m", "sandbox", "openapi", "--sandbox-tools"],
                         cwd=ROOT, check=True, capture_output=True, text=True,
                         timeout=60).stdout
    assert out == TOOLS_FILE.read_text(encoding="utf-8")


def test_405_names_the_methods_the_document_gives_the_path(api: Api) -> None:
    # /v1/bookings/provisional also fits /v1/bookings/{reference}, which has GET only.
    r = send(api, "options", "/v1/bookings/provisional")
    assert_problem(r, 405)
    assert r.headers["allow"] == "POST"
    assert send(api, "delete", "/v1/bookings/YY1").headers["allow"] == "GET"
    assert send(api, "put", "/v1/items").headers["allow"] == "GET"


def test_links_lead_from_a_booking_to_its_lookup_cancel_and_sms(doc: dict[str, Any]) -> None:
    ids = {op["operationId"] for _, _, op in operations(doc)}
    links = doc["paths"]["/v1/bookings"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} == {
        "get_booking_v1_bookings__reference__get",
        "cancel_booking_v1_bookings__reference__cancel_post",
        "send_booking_sms_v1_bookings__reference__sms_post"}
    for _, _, op in operations(doc):
        for response in op["responses"].values():
            for link in response.get("links", {}).values():
                assert link["operationId"] in ids


def test_a_timestamp_is_text_not_a_number_of_seconds(api: Api) -> None:
    """Schemathesis found `made_at: 0` taken as 1970-01-01T00:00Z (and answered 201)."""
    body = {"booking": booking_body("RS-S001", "HALL-CITY", "x", n=772),
            "local_reference": "L00001", "terminal_id": "T-1", "made_at": 0}
    problem = assert_problem(api.post("/v1/bookings/provisional", body, key="made-at-0"), 422,
                             PROBLEM_INVALID_REQUEST)
    assert "made_at" in problem["detail"]
