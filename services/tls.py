"""TLS to the platform: verification always on, an optional own CA and public-key pins, http
only on loopback."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import ssl
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from requests.utils import DEFAULT_CA_BUNDLE_PATH
from urllib3.util.ssl_ import create_urllib3_context

from .deadline import DeadlineAdapter, watch_handshake
# Kept light, without requests: the config checks URLs before anything connects (issue 11).
from .hosts import is_loopback

# There is no switch to turn verification off: a lab platform with a self-made CA is what
# ca_file is for, and a platform on this machine may use plain http (the sandbox does).

PIN_HELP = ("must be the SHA-256 of the server's public key (SubjectPublicKeyInfo): 44 base64 "
            "characters or 64 hex digits")


def transport_problem(url: str) -> str | None:
    """Why the client must not send to `url` (None: https, or http to loopback)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "is not a valid URL"
    if parts.scheme == "https":
        return None
    if parts.scheme != "http":
        return "must start with https://"
    if not is_loopback(host):
        return ("must be https:// (plain http:// only to this machine: 127.0.0.1, ::1 or "
                "localhost)")
    return None


def parse_pin(text: str) -> bytes:
    """A pin as written in the config (base64, as `openssl ... | base64` prints it, or hex;
    curl's `sha256//` prefix allowed) -> the 32 bytes; ValueError otherwise."""
    value = text.strip().removeprefix("sha256//")
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        return bytes.fromhex(value)
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise ValueError(PIN_HELP)
    return raw


def spki_sha256(der_certificate: bytes) -> bytes:
    """SHA-256 of the certificate's SubjectPublicKeyInfo: what a pin names. It survives a
    renewed certificate as long as the key stays."""
    key = x509.load_der_x509_certificate(der_certificate).public_key()
    return hashlib.sha256(key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
                          ).digest()


def load_ca(path: str) -> None:
    """Check that `path` is a PEM bundle the client can trust; ValueError saying why not."""
    try:
        ssl.create_default_context(cafile=path)
    except ssl.SSLError:
        raise ValueError(f"{path} holds no CA certificate in PEM form") from None
    except OSError as exc:
        raise ValueError(f"{path} cannot be read ({exc.strerror or type(exc).__name__})"
                         ) from None


class PinMismatch(ssl.SSLCertVerificationError):
    """The chain verified, but the leaf's public key matches none of the pins."""


class PlainHttpRefused(requests.exceptions.SSLError):
    """A request (a redirect, say) to a plain http:// URL off this machine."""


class _ClientSocket(ssl.SSLSocket):
    """The client's TLS socket: its handshake under the call's deadline, then the pins."""

    pins: frozenset[bytes] = frozenset()

    def do_handshake(self, block: bool = False) -> None:
        watch_handshake(self)  # the call's deadline covers the handshake too
        super().do_handshake(block)
        _check_pins(self, self.pins)


class _ClientObject(ssl.SSLObject):
    """The same check for TLS inside TLS (an https:// proxy), which urllib3 runs over BIOs."""

    pins: frozenset[bytes] = frozenset()

    def do_handshake(self) -> None:
        super().do_handshake()
        _check_pins(self, self.pins)


def _check_pins(conn: ssl.SSLSocket | ssl.SSLObject, pins: frozenset[bytes]) -> None:
    if not pins:
        return
    try:
        der = conn.getpeercert(binary_form=True)
        key = spki_sha256(der) if der else None
    except (AttributeError, ValueError, OSError):  # shut by the deadline just now, or garbled
        key = None
    if key not in pins:
        raise PinMismatch("public key not pinned")


def tls_context(ca_file: str | None = None, pins: Iterable[bytes] = ()) -> ssl.SSLContext:
    """The client's SSLContext: chain and host name verified against `ca_file` (instead of
    the public CAs requests ships, certifi) and, with `pins`, the leaf's key one of them."""
    if ca_file is not None:
        load_ca(ca_file)
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    context.load_verify_locations(cafile=ca_file or DEFAULT_CA_BUNDLE_PATH)
    frozen = frozenset(pins)
    # Per context, so that two clients with different pins never share the check.
    context.sslsocket_class = type("ClientSocket", (_ClientSocket,), {"pins": frozen})
    context.sslobject_class = type("ClientObject", (_ClientObject,), {"pins": frozen})
    return context


class TlsAdapter(DeadlineAdapter):
    """The DeadlineAdapter with the client's SSLContext on every https connection (direct or
    through a proxy), verification forced on whatever the session or environment says
    (`verify=False`, REQUESTS_CA_BUNDLE), and plain http refused off loopback."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.context = context  # before super().__init__, which makes the pool manager
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self.context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["ssl_context"] = self.context
        return super().proxy_manager_for(proxy, **proxy_kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        # verify=True whatever was asked: the stub leaves cert_verify untyped.
        super().cert_verify(conn, url, True, cert)  # type: ignore[no-untyped-call]  # untyped
        if url.lower().startswith("https"):
            # requests would load its own bundle into the context here: ca_file replaces it.
            conn.cert_reqs, conn.ca_certs, conn.ca_cert_dir = "CERT_REQUIRED", None, None

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None,
             proxies: Any = None) -> requests.Response:
        if transport_problem(request.url or ""):
            raise PlainHttpRefused("plain http off loopback", request=request)
        return super().send(request, stream, timeout, True, cert, proxies)


def refusal(exc: BaseException) -> str:
    """What went wrong in a requests SSLError, in words fit for a log: no URL, no host name,
    nothing from the request."""
    for cause in _causes(exc):
        if isinstance(cause, PlainHttpRefused):
            return "plain http:// to a host off this machine refused"
        if isinstance(cause, PinMismatch):
            return "certificate's public key matches no pin_sha256"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return _VERIFY_ERRORS.get(cause.verify_code,
                                      f"certificate refused (X509 error {cause.verify_code})")
        if type(cause).__name__ == "CertificateError":  # urllib3's own host name check
            return "certificate is for another host"
    return "TLS handshake failed"


_UNTRUSTED = "certificate not issued by a trusted CA (ca_file)"
# OpenSSL's X509_V_ERR_* codes the platform's certificate can fail with.
_VERIFY_ERRORS = {
    2: _UNTRUSTED, 18: _UNTRUSTED, 19: _UNTRUSTED, 20: _UNTRUSTED, 21: _UNTRUSTED,
    9: "certificate not valid yet (or the terminal's clock is behind)",
    10: "certificate expired (or the terminal's clock is ahead)",
    23: "certificate revoked",
    62: "certificate is for another host",
    64: "certificate is for another IP address",
}


def _causes(exc: BaseException) -> Iterable[BaseException]:
    """`exc` and what it wraps (urllib3 and requests wrap the ssl error twice or more)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        cur = todo.pop(0)
        if id(cur) in seen or len(seen) > 20:
            continue
        seen.add(id(cur))
        yield cur
        todo.extend(a for a in cur.args if isinstance(a, BaseException))
        reason = getattr(cur, "reason", None)
        for nxt in (reason, cur.__cause__, cur.__context__):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
