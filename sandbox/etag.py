"""ETag / If-None-Match for the catalogue reads, so terminals revalidate their cache cheaply."""

from __future__ import annotations

import hashlib
import re

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Slots and bookings change every minute: only the catalogue and halls carry validators.
CACHEABLE = re.compile(r"^/v1/(items|items/[^/]+|departments|life-events|halls)$")


class CatalogueETagMiddleware:
    """A strong ETag from the body's hash; a matching If-None-Match gets 304 and no body.

    Plain ASGI rather than BaseHTTPMiddleware: every other request (all the writes) passes
    straight through, without the task and the streams BaseHTTPMiddleware adds to each one.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "GET"
                or not CACHEABLE.match(scope["path"])):
            await self.app(scope, receive, send)
            return
        start: Message = {}
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            # The whole body is needed for its hash: hold it back until the app is done.
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        await self.app(scope, receive, hold)
        body = b"".join(chunks)
        if start.get("status") != 200:
            await send(start)
            await send({"type": "http.response.body", "body": body})
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        asked = Headers(scope=scope).get("if-none-match", "")
        wanted = {t.strip() for t in asked.split(",")}
        if etag in wanted or "*" in wanted:
            response = Response(status_code=304,
                                headers={"ETag": etag, "Cache-Control": "no-cache"})
        else:
            headers = dict(Headers(raw=start.get("headers", [])))
            headers.update({"ETag": etag, "Cache-Control": "no-cache"})
            response = Response(content=body, status_code=200, headers=headers)
        await response(scope, receive, send)
