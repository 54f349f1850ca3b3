"""uvicorn's HTTP/1.1 protocol, answering what its parser refuses with problem+json too."""

from __future__ import annotations

import json

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from services.schemas import PROBLEM_CONTENT_TYPE, PROBLEM_INVALID_REQUEST


class ProblemH11Protocol(H11Protocol):
    """A request line or header block the parser gives up on (far too long, malformed) never
    reaches the app; uvicorn would answer it in plain text, the API's clients expect RFC 9457."""

    def send_400_response(self, msg: str) -> None:
        body = json.dumps({"type": PROBLEM_INVALID_REQUEST, "title": "请求过长或格式不正确。",
                           "status": 400, "detail": msg}, ensure_ascii=False).encode()
        headers = [(b"content-type", PROBLEM_CONTENT_TYPE.encode()),
                   (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
        for event in (h11.Response(status_code=400, headers=headers, reason=b"Bad Request"),
                      h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event) or b"")
        self.transport.close()
