"""The OpenAPI documents as the server behaves: every status, header and link each route has."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse

from services.schemas import PROBLEM_CONTENT_TYPE, Problem
from services.validation import IDEMPOTENCY_KEY_MAX_LENGTH

from . import etag

Document = dict[str, Any]

PROBLEM_REF = "#/components/schemas/Problem"
#: Printable ASCII (space to ~), not blank: what `is_valid_idempotency_key` accepts once the
#: HTTP parser has stripped the spaces around a header value.
IDEMPOTENCY_KEY_SCHEMA: dict[str, Any] = {
    "type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_KEY_MAX_LENGTH,
    "pattern": f"^[!-~]([ -~]{{0,{IDEMPOTENCY_KEY_MAX_LENGTH - 2}}}[!-~])?$"}

# Shared problem answers, by name under components/responses: (status, description, headers).
_SHARED: dict[str, tuple[int, str, dict[str, Any]]] = {
    "Unauthorized": (401, "No valid bearer token (problem `unauthorized`), or an "
                          "X-Resident-Session that is not live for this terminal (problem "
                          "`resident-session-invalid`)",
                     {"WWW-Authenticate": {
                         "description": "`Bearer`, or the resident session's scheme",
                         "required": True, "schema": {"type": "string", "enum": [
                             "Bearer", 'ResidentSession realm="resident"']}}}),
    "UnreadableBody": (400, "The request cannot be read: a body that is not UTF-8, or (on "
                            "writes) an Idempotency-Key missing, sent twice or not 1–"
                            f"{IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters", {}),
    "BodyTooLarge": (413, "The body is over the route's limit (problem `body-too-large`; "
                          "`image-too-large` for a photo declaring too many pixels)",
                     {"Connection": {"schema": {"type": "string", "const": "close"}}}),
    "UriTooLong": (414, "Path and query over 8 KB",
                   {"Connection": {"schema": {"type": "string", "const": "close"}}}),
    "HeadersTooLarge": (431, "Header fields over 16 KB together",
                        {"Connection": {"schema": {"type": "string", "const": "close"}}}),
    "Invalid": (422, "A parameter or the body does not validate, the JSON is malformed, or a "
                     "rule the schema cannot say refused it (problem `type` says which)", {}),
    "RateLimited": (429, "Too many lookups by reference from this terminal, or messages "
                         "for one booking today (problem `rate-limited`)",
                    {"Retry-After": {"description": "Seconds to wait before the next lookup",
                                     "required": True,
                                     "schema": {"type": "integer", "minimum": 1}}}),
}
_BY_STATUS = {status: name for name, (status, _, _) in _SHARED.items()}
_VALIDATOR_HEADERS = {
    "ETag": {"description": "Strong validator of the body; send it back in If-None-Match",
             "required": True, "schema": {"type": "string", "pattern": '^"[0-9a-f]{32}"$'}},
    "Cache-Control": {"required": True, "schema": {"type": "string", "const": "no-cache"}}}
_IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False,
    "description": "ETags of a cached copy: a match answers 304 without a body",
    "schema": {"type": "string"}}
# JSON Schema names pydantic leaves untranslated on an Annotated query type (FastAPI bug).
_KEYWORDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}
_METHODS = ("get", "put", "post", "delete", "patch")

#: What any request may get besides the statuses its operation lists.
BEYOND_OPERATIONS = (
    "\n\nEach operation lists every status it answers. Besides those, on any path: a request "
    "the HTTP parser cannot read (request line or headers malformed, or far over 414/431 "
    "sizes) is 400, a method the path does not have is 405 with `Allow`, an unknown path is "
    "404, and a fault of the server is 500 (problem `internal`), all problem+json.")

#: Stateful testing and clients: which answer feeds which request (OpenAPI links).
LINKS: dict[tuple[str, str, str], dict[str, Any]] = {
    ("/v1/bookings", "post", "201"): {
        "GetBooking": {"operationId": "get_booking_v1_bookings__reference__get",
                       "parameters": {"reference": "$response.body#/reference"}},
        "CancelBooking": {"operationId": "cancel_booking_v1_bookings__reference__cancel_post",
                          "parameters": {"reference": "$response.body#/reference"}},
        "SendBookingSms": {"operationId": "send_booking_sms_v1_bookings__reference__sms_post",
                           "parameters": {"reference": "$response.body#/reference"}}},
    ("/v1/bookings/{reference}/cancel", "post", "200"): {
        "GetCancelledBooking": {"operationId": "get_booking_v1_bookings__reference__get",
                                "parameters": {"reference": "$response.body#/reference"}}},
    ("/v1/items", "get", "200"): {
        "GetItem": {"operationId": "get_item_v1_items__item_id__get",
                    "parameters": {"item_id": "$response.body#/items/0/id"}},
        "HallsServingItem": {"operationId": "halls_v1_halls_get",
                             "parameters": {"item": "$response.body#/items/0/id"}}},
    ("/v1/halls", "get", "200"): {
        "SlotsAtHall": {"operationId": "slots_v1_items__item_id__slots_get",
                        "parameters": {"item_id": "$request.query.item",
                                       "hall": "$response.body#/halls/0/id"}}},
}


def _shared(status: int) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{_BY_STATUS[status]}"}


def _tidy_parameter(param: dict[str, Any]) -> None:
    schema = param.get("schema", {})
    for old, new in _KEYWORDS.items():
        if old in schema:
            schema[new] = schema.pop(old)
    options = schema.get("anyOf")
    if options and not param.get("required"):
        # An optional parameter is left out to mean "none": no request can send a JSON null.
        rest = [o for o in options if o.get("type") != "null"]
        if len(rest) == 1:
            del schema["anyOf"]
            schema.update(rest[0])
    if param["name"] == "Idempotency-Key":
        # Declared optional in Python so that its absence reaches the server's own 400 problem
        # (idempotency-key-missing) instead of FastAPI's 422; the server requires it.
        param["required"] = True
        param["schema"] = {**IDEMPOTENCY_KEY_SCHEMA, "description": schema.get("description")}


def _finish_operation(path: str, method: str, op: dict[str, Any], authorised: bool) -> None:
    params = op.setdefault("parameters", [])
    for param in params:
        _tidy_parameter(param)
    responses: dict[str, Any] = op["responses"]
    statuses = {int(s) for s in responses}
    if authorised:
        statuses.add(401)
    if params or "requestBody" in op:
        statuses.add(422)
    else:  # nothing to validate: unknown query parameters are ignored, never refused
        statuses.discard(422)
        responses.pop("422", None)
    if "requestBody" in op or any(p["name"] == "Idempotency-Key" for p in params):
        statuses.add(400)
    # sandbox/limits.py answers these before any route: a body over the limit on a GET too.
    statuses |= {413, 414, 431}
    for status in sorted(statuses):
        if status in _BY_STATUS:
            responses[str(status)] = _shared(status)
    if method == "get" and cacheable(path):
        params.append(dict(_IF_NONE_MATCH))
        responses["200"]["headers"] = copy.deepcopy(_VALIDATOR_HEADERS)
        responses["304"] = {"description": "Not modified: the cached copy with this ETag is "
                                           "current", "headers": copy.deepcopy(_VALIDATOR_HEADERS)}
    for (lpath, lmethod, code), links in LINKS.items():
        if (lpath, lmethod) == (path, method):
            responses[code]["links"] = copy.deepcopy(links)
    op["responses"] = dict(sorted(responses.items()))
    if not op["parameters"]:
        del op["parameters"]


def finish(doc: Document) -> Document:
    """Make FastAPI's document exact: shared problem answers, required headers, validators."""
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.setdefault("Problem", Problem.model_json_schema())
    for gone in ("HTTPValidationError", "ValidationError"):
        schemas.pop(gone, None)  # FastAPI's 422 body; this server answers problem+json
    components["responses"] = {
        name: {"description": text,
               **({"headers": copy.deepcopy(headers)} if headers else {}),
               "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": PROBLEM_REF}}}}
        for name, (_, text, headers) in _SHARED.items()}
    for path, item in doc.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                op = item[method]
                _finish_operation(path, method, op, authorised="security" in op)
    return doc


def install(app: FastAPI, extra: Callable[[Document], None] | None = None) -> None:
    """Serve the finished document at /openapi.json; `extra` adds to it (problem schemas)."""
    build = app.openapi

    def openapi() -> Document:
        if app.openapi_schema is None:
            doc = build()
            if extra is not None:
                extra(doc)
            doc["info"]["description"] = doc["info"].get("description", "") + BEYOND_OPERATIONS
            app.openapi_schema = finish(doc)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override


def allowed_methods(app: FastAPI, path: str) -> str | None:
    """The methods the documents give the path (a concrete one before a templated one, as
    OpenAPI matches them), e.g. "POST"; None for a path no document has."""
    docs = [app.openapi()]
    tools: Callable[[], Document] | None = getattr(app.state, "tools_document", None)
    if tools is not None:
        docs.append(tools())
    best: tuple[int, list[str]] | None = None
    for doc in docs:
        for template, item in doc.get("paths", {}).items():
            parts = re.split(r"\{[^}]+\}", template)
            if re.fullmatch("[^/]+".join(re.escape(p) for p in parts), path):
                methods = sorted(m.upper() for m in item if m in _METHODS)
                if best is None or len(parts) < best[0]:
                    best = (len(parts), methods)
    return ", ".join(best[1]) if best else None


def cacheable(path: str) -> bool:
    """Whether GET `path` (a template such as /v1/items/{item_id}) carries an ETag."""
    return bool(etag.CACHEABLE.match(re.sub(r"[{}]", "", path)))


#: Where `serve --sandbox-tools` serves the tools' own document.
TOOLS_DOCUMENT_PATH = "/sandbox/openapi.json"


def serve_tools_document(app: FastAPI, tools: APIRouter, version: str) -> None:
    """Serve the document of the sandbox's test tools, kept out of Platform API v1's."""
    built: list[Document] = []

    def document() -> Document:
        if not built:
            built.append(finish(get_openapi(
                title="Sandbox tools (test fixtures, not Platform API v1)", version=version,
                description="Served only by `kiosk-sandbox serve --sandbox-tools`; without it "
                            "these paths answer 404. Every path needs the terminal's bearer "
                            "token (401 problem+json without one).",
                routes=tools.routes)))
        return built[0]

    app.state.tools_document = document

    @app.get(TOOLS_DOCUMENT_PATH, include_in_schema=False)
    def tools_openapi() -> JSONResponse:
        return JSONResponse(document())


def tools_document(app: FastAPI) -> Document:
    """The tools' document of an app built with `sandbox_tools=True`."""
    document: Callable[[], Document] = app.state.tools_document
    return document()
