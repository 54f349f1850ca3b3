"""RFC 9457 problem responses: every error the sandbox sends, with a plain-Chinese title."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.schemas import (PROBLEM_CONTENT_TYPE, PROBLEM_INTERNAL, PROBLEM_INVALID_REQUEST,
                              PROBLEM_NOT_FOUND, PROBLEM_UNAUTHORIZED, DuplicateBookingProblem,
                              Problem)

from . import api_document

# uvicorn's error logger: the line lands in the server log with uvicorn's own formatting.
log = logging.getLogger("uvicorn.error")

PROBLEM_METHOD_NOT_ALLOWED = "urn:kiosk:problem:method-not-allowed"

_HTTP_PROBLEMS: dict[int, tuple[str, str]] = {
    401: (PROBLEM_UNAUTHORIZED, "本终端未获授权，请联系工作人员。"),
    404: (PROBLEM_NOT_FOUND, "没有找到相关信息。"),
    405: (PROBLEM_METHOD_NOT_ALLOWED, "请求方式不正确。"),
}


class ProblemError(Exception):
    """Raised anywhere in the sandbox to answer with a problem document."""

    def __init__(self, status: int, type_: str, title: str, detail: str | None = None,
                 headers: dict[str, str] | None = None,
                 extensions: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {type_}")
        self.status = status
        self.type = type_
        self.title = title
        self.detail = detail
        self.headers = headers
        self.extensions = extensions  # RFC 9457 extension members, e.g. the booking held


def problem_response(status: int, type_: str, title: str, detail: str | None = None,
                     instance: str | None = None, headers: dict[str, str] | None = None,
                     extensions: dict[str, Any] | None = None) -> JSONResponse:
    body = Problem(type=type_, title=title, status=status, detail=detail, instance=instance)
    # Extension members never replace the standard ones.
    content = {**(extensions or {}), **body.model_dump(exclude_none=True)}
    return JSONResponse(content, status_code=status, media_type=PROBLEM_CONTENT_TYPE,
                        headers=headers)


def _validation_detail(exc: RequestValidationError) -> str:
    # Only where and what kind of error: pydantic's `input` could hold an ID number or name.
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('type', 'invalid')}")
    return "; ".join(parts)


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.status, exc.type, exc.title, exc.detail, request.url.path,
                            exc.headers, exc.extensions)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    json_broken = any(e.get("type") == "json_invalid" for e in exc.errors())
    title = "提交的内容格式不正确。" if json_broken else "请求内容有误，请核对后重试。"
    return problem_response(422, PROBLEM_INVALID_REQUEST, title, _validation_detail(exc),
                            request.url.path)


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    type_, title = _HTTP_PROBLEMS.get(exc.status_code, (PROBLEM_INVALID_REQUEST, "请求有误。"))
    detail = None
    headers = dict(exc.headers) if exc.headers else {}
    if exc.status_code == 405:
        # Starlette names the methods of the first route whose path matches: at
        # /v1/bookings/provisional that was GET /v1/bookings/{reference}, though only POST is
        # served there. The document says which methods a path has.
        headers["Allow"] = api_document.allowed_methods(request.app, request.url.path) \
            or headers.get("Allow", "")
    if exc.status_code == 400:
        # FastAPI's one 400 of its own: a body it cannot decode (not UTF-8).
        title, detail = "提交的内容无法识别。", "the body cannot be decoded: not UTF-8"
    if exc.status_code >= 500:
        type_, title = PROBLEM_INTERNAL, "服务暂时不可用，请稍后再试。"
    return problem_response(exc.status_code, type_, title, detail, request.url.path,
                            headers or None)


class CatchAllMiddleware:
    """Turn any unhandled exception into a 500 problem without a traceback or request data.

    Starlette's own handler for `Exception` re-raises after answering, which makes uvicorn
    print the traceback; this middleware ends the exception here and logs only its class.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:  # noqa: BLE001 - the last line of defence by design
            log.error("internal error %s on %s %s", type(exc).__name__, scope.get("method"),
                      scope.get("path"))
            if started:
                raise  # headers already went out; let the server drop the connection
            response = problem_response(500, PROBLEM_INTERNAL, "服务暂时不可用，请稍后再试。",
                                        instance=scope.get("path"))
            await response(scope, receive, send)


def install(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_middleware(CatchAllMiddleware)


#: Problem documents with extension members, by schema name (documented as components).
EXTENDED_PROBLEMS: dict[str, type[Problem]] = {
    "DuplicateBookingProblem": DuplicateBookingProblem}


def problem_responses(*statuses: int, extended: dict[int, str] | None = None
                      ) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting the problem documents a route can send;
    `extended` names, per status, a problem schema with extension members it may send too."""
    plain = {"$ref": "#/components/schemas/Problem"}
    out: dict[int | str, dict[str, Any]] = {}
    for s in statuses:
        name = (extended or {}).get(s)
        schema = {"anyOf": [{"$ref": f"#/components/schemas/{name}"}, plain]} if name else plain
        out[s] = {"description": "Problem details (RFC 9457)",
                  "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}}}
    return out


def add_problem_schemas(doc: dict[str, Any]) -> None:
    """Add the Problem schemas that problem_responses() refers to into an OpenAPI document."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema()
    for name, model in EXTENDED_PROBLEMS.items():
        schemas[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
