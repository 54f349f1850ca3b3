"""Bounds on the work one request may cause: URL, headers and body size, image size."""

from __future__ import annotations

import struct

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.schemas import (PROBLEM_BODY_TOO_LARGE, PROBLEM_IMAGE_TOO_LARGE,
                              PROBLEM_INVALID_REQUEST)

from .problems import ProblemError, problem_response

#: Bytes of request body a route may receive; the rest of the API takes small JSON bodies.
DEFAULT_BODY_LIMIT = 64 * 1024
#: The face check carries a live frame and maybe a reference photo, base64-encoded.
BODY_LIMITS = {"/v1/identity/face-verify": 6 * 1024 * 1024}
#: A request line's path and query, and all header lines together, at most (bytes).
MAX_TARGET = 8 * 1024
MAX_HEADERS = 16 * 1024
#: An image may declare at most this many pixels (a 640×480 frame is 0.3 M; an ID photo less).
MAX_IMAGE_PIXELS = 4096 * 4096
MAX_IMAGE_SIDE = 8192

_PNG = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers that carry the dimensions (not DHT 0xC4, JPG 0xC8, DAC 0xCC).
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def declared_size(data: bytes) -> tuple[int, int] | None:
    """Width and height an encoded PNG or JPEG declares, read from its header without
    decoding; None when it is neither or the header is broken."""
    if data.startswith(_PNG) and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # markers without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2:pos + 4])
        if marker in _SOF:
            if pos + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        if length < 2:
            return None
        pos += 2 + length
    return None


def check_image(data: bytes, field: str) -> None:
    """Refuse an image whose declared size would take seconds and gigabytes to decode."""
    size = declared_size(data)
    if size is None:
        return  # not a PNG or JPEG header: the decoder refuses it as a bad image, cheaply
    width, height = size
    if width * height > MAX_IMAGE_PIXELS or max(width, height) > MAX_IMAGE_SIDE:
        raise ProblemError(413, PROBLEM_IMAGE_TOO_LARGE, "照片太大，请重新拍照。",
                           f"{field}: {width}×{height} pixels, at most {MAX_IMAGE_PIXELS} "
                           f"and {MAX_IMAGE_SIDE} per side")


class BodyLimitMiddleware:
    """413 problem+json for a body over its route's limit: at once from Content-Length, or as
    soon as a chunked body passes it. The body is read here, never more than the limit, and
    handed on whole: the app never holds more than its route allows."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        target = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        header_bytes = sum(len(k) + len(v) + 4 for k, v in scope.get("headers") or ())
        if target > MAX_TARGET or header_bytes > MAX_HEADERS:
            status, what = (414, "URI") if target > MAX_TARGET else (431, "header fields")
            response = problem_response(status, PROBLEM_INVALID_REQUEST, "请求过长。",
                                        f"request {what} too long", None,
                                        headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        limit = BODY_LIMITS.get(scope.get("path", ""), DEFAULT_BODY_LIMIT)
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        parts: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                await self.app(scope, _replay([message]), send)
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > limit:
                await self._refuse(scope, receive, send, limit)
                return
            parts.append(body)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(parts), "more_body": False}
        await self.app(scope, _replay([whole], then=receive), send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(413, PROBLEM_BODY_TOO_LARGE, "提交的内容太大。",
                                    f"request body over {limit} bytes", scope.get("path"),
                                    headers={"Connection": "close"})
        await response(scope, receive, send)


def _replay(messages: list[Message], then: Receive | None = None) -> Receive:
    """A receive() that gives `messages` first, then waits on the real one (disconnects)."""
    pending = list(messages)

    async def receive() -> Message:
        if pending:
            return pending.pop(0)
        if then is None:
            return {"type": "http.disconnect"}
        return await then()
    return receive
