"""ETag / If-None-Match for the catalogue reads, so terminals revalidate their cache cheaply."""

from __future__ import annotations

import hashlib
import re

from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import Response

# Slots and bookings change every minute: only the catalogue and halls carry validators.
CACHEABLE = re.compile(r"^/v1/(items|items/[^/]+|departments|life-events|halls)$")


class CatalogueETagMiddleware(BaseHTTPMiddleware):
    """A strong ETag from the body's hash; a matching If-None-Match gets 304 and no body."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        if (request.method != "GET" or response.status_code != 200
                or not CACHEABLE.match(request.url.path)):
            return response
        chunks = response.body_iterator  # type: ignore[attr-defined]  # a streaming response
        body = b"".join([chunk async for chunk in chunks])
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        wanted = {t.strip() for t in request.headers.get("if-none-match", "").split(",")}
        if etag in wanted or "*" in wanted:
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
        headers = dict(response.headers)
        headers.update({"ETag": etag, "Cache-Control": "no-cache"})
        return Response(content=body, status_code=200, headers=headers)
