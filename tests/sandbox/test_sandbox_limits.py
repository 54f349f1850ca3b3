"""Bounded work per request: oversize images refused before decoding, bodies over a limit."""

from __future__ import annotations

import base64
import io
import socket
import time
import zlib
from typing import Any

import numpy as np
import pytest
import requests
from PIL import Image
from sandbox_helpers import Api, assert_problem

from sandbox.limits import DEFAULT_BODY_LIMIT, MAX_IMAGE_PIXELS, declared_size
from services.schemas import PROBLEM_BODY_TOO_LARGE, PROBLEM_IMAGE_TOO_LARGE
from tests.validation_corpus import id_number


def grey_png(width: int, height: int) -> bytes:
    """A plain grey PNG of any declared size, a few hundred kilobytes even when huge (the
    attack the issue measured: 14,000 × 14,000 took 52 s and 3 GB to decode)."""
    row = b"\x00" + b"\x80" * width
    raw = zlib.compress(row * height, 9)
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (len(data).to_bytes(4, "big") + kind + data
                + zlib.crc32(kind + data).to_bytes(4, "big"))
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw)
            + chunk(b"IEND", b""))


def jpeg(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 128, np.uint8)).save(buf, "JPEG")
    return buf.getvalue()


def test_declared_size_is_read_from_the_header_without_decoding() -> None:
    assert declared_size(grey_png(640, 480)) == (640, 480)
    assert declared_size(jpeg(320, 200)) == (320, 200)
    assert declared_size(b"GIF89a") is None and declared_size(b"\xff\xd8\xff") is None


def face_verify(api: Api, image: bytes, **extra: Any) -> requests.Response:
    return api.post("/v1/identity/face-verify",
                    {"id_number": id_number("42010219900307123"),
                     "live_image": base64.b64encode(image).decode(), **extra})


def test_a_huge_declared_image_is_refused_at_once(api: Api) -> None:
    side = 14_000
    assert side * side > MAX_IMAGE_PIXELS
    png = grey_png(side, side)
    started = time.monotonic()
    r = face_verify(api, png)
    elapsed = time.monotonic() - started
    body = assert_problem(r, 413, PROBLEM_IMAGE_TOO_LARGE)
    assert "live_image" in body["detail"]
    assert elapsed < 5, f"took {elapsed:.1f} s: the image was decoded"


def test_a_body_over_the_routes_limit_is_refused_with_a_problem(api: Api) -> None:
    r = api.post("/v1/bookings", {"pad": "x" * (DEFAULT_BODY_LIMIT + 1)}, key="big-body-1")
    assert_problem(r, 413, PROBLEM_BODY_TOO_LARGE)


@pytest.mark.parametrize("declared", [True, False])
def test_a_huge_body_is_not_read_in_full(api: Api, declared: bool) -> None:
    """57 MB announced (or sent chunked): answered 413 long before it has all been sent."""
    host, port = api.url.split("//", 1)[1].split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    head = (f"POST /v1/bookings HTTP/1.1\r\nHost: {host}\r\n"
            f"Authorization: {api.auth['Authorization']}\r\nContent-Type: application/json\r\n"
            f"Idempotency-Key: huge-{declared}\r\n")
    head += ("Content-Length: 60000000\r\n" if declared else "Transfer-Encoding: chunked\r\n")
    sock.sendall((head + "\r\n").encode())
    sent = 0
    chunk = b"x" * 65536
    sock.settimeout(0.05)
    answer = b""
    try:
        while sent < 8 * 1024 * 1024 and b"\r\n\r\n" not in answer:
            data = chunk if declared else b"%x\r\n%s\r\n" % (len(chunk), chunk)
            try:
                sock.sendall(data)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                pass
        sock.settimeout(5)
        while b"\r\n\r\n" not in answer:
            more = sock.recv(65536)
            if not more:
                break
            answer += more
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"application/problem+json" in answer
    assert sent < 8 * 1024 * 1024  # refused early, not after reading it all


def raw_request(api: Api, request: bytes) -> bytes:
    host, port = api.url.split("//", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            if b"\r\n\r\n" in answer and b"}" in answer:
                break
    return answer


@pytest.mark.parametrize(("what", "size", "status"), [
    ("url", 100_000, b"414"), ("header", 100_000, b"431"),
    ("url", 1_000_000, b"400"), ("header", 1_000_000, b"400")])
def test_very_long_urls_and_headers_get_a_problem_not_plain_text(
        api: Api, what: str, size: int, status: bytes) -> None:
    big = "a" * size
    request = (f"GET /v1/items?q={big} HTTP/1.1\r\nHost: x\r\n\r\n" if what == "url"
               else f"GET /v1/items HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\n\r\n")
    answer = raw_request(api, request.encode())
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]
    assert b"application/problem+json" in answer.split(b"\r\n\r\n", 1)[0]


def test_the_sandbox_tools_exist_only_when_asked_for(tmp_path: Any) -> None:
    """Without `--sandbox-tools` the ledger, SMS log and login-code minting answer 404, and
    they are never part of the API document either way."""
    from sandbox.testing import run_sandbox
    with run_sandbox(tmp_path / "plain.db", tokens=["t"], sandbox_tools=False) as plain:
        auth = {"Authorization": "Bearer t"}
        for method, path in (("GET", "/sandbox/ledger"), ("GET", "/sandbox/sms"),
                             ("POST", "/sandbox/app-login-codes"),
                             ("GET", "/sandbox/openapi.json")):
            r = requests.request(method, plain.url + path, headers=auth, json={}, timeout=10)
            assert_problem(r, 404)
        doc = requests.get(plain.url + "/openapi.json", timeout=10).json()
        assert not [p for p in doc["paths"] if p.startswith("/sandbox")]
