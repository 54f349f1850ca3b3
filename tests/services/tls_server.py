"""Self-made CAs and certificates (the `cryptography` package), a real HTTPS server on
127.0.0.1 that serves Platform API v1's /healthz and an empty /v1/items with them, and a
CONNECT proxy."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import ipaddress
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

NOW = datetime.now(UTC)
ITEMS = {"items": [], "total": 0, "limit": 20, "offset": 0}


@dataclass
class Issued:
    """A certificate and its key, as PEM files."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert_file: Path
    key_file: Path

    @property
    def spki_sha256(self) -> bytes:
        spki = self.cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        return hashlib.sha256(spki).digest()

    @property
    def pin_base64(self) -> str:
        return base64.b64encode(self.spki_sha256).decode()


def _write(folder: Path, name: str, cert: x509.Certificate,
           key: ec.EllipticCurvePrivateKey) -> Issued:
    folder.mkdir(parents=True, exist_ok=True)
    cert_file, key_file = folder / f"{name}.pem", folder / f"{name}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Issued(cert, key, cert_file, key_file)


def make_ca(folder: Path, name: str) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{name} test CA")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False,
                                         False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    return _write(folder, name, cert, key)


def make_leaf(folder: Path, name: str, ca: Issued, *,
              hosts: tuple[str, ...] = ("127.0.0.1", "localhost"),
              valid: tuple[timedelta, timedelta] = (timedelta(days=-1), timedelta(days=10)),
              key: ec.EllipticCurvePrivateKey | None = None) -> Issued:
    """A server certificate for `hosts` (IP or DNS SANs), valid from now+valid[0] to
    now+valid[1], signed by `ca`."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = []
    for host in hosts:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            sans.append(x509.DNSName(host))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(ca.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(NOW + valid[0]).not_valid_after(NOW + valid[1])
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca.key.public_key()), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return _write(folder, name, cert, key)


@dataclass
class TlsServer:
    url: str
    #: Paths of the requests that got through the handshake (none may when TLS is refused).
    paths: list[str] = field(default_factory=list)
    #: TCP connections accepted (a refused handshake still counts one).
    connections: int = 0
    #: Where GET /v1/items redirects to, when set.
    redirect: str | None = None


@contextmanager
def tls_server(leaf: Issued, host: str = "127.0.0.1") -> Iterator[TlsServer]:
    """Serve HTTPS on a free port of 127.0.0.1 with `leaf`; the URL names `host`."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(leaf.cert_file, leaf.key_file)
    state = TlsServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            state.paths.append(self.path.split("?")[0])
            if state.redirect and self.path.startswith("/v1/items"):
                self.send_response(302)
                self.send_header("Location", state.redirect)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body: Any = {"status": "ok"} if self.path == "/healthz" else ITEMS
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            # Recorded, then refused for good (a write the outbox marks dead, not pending).
            state.paths.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            data = json.dumps({"type": "about:blank", "title": "test", "status": 422}).encode()
            self.send_response(422)
            self.send_header("Content-Type", "application/problem+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self) -> tuple[Any, Any]:
            conn, addr = self.socket.accept()
            state.connections += 1
            # The handshake in the handler's thread (the first read), not in the accept loop.
            return context.wrap_socket(conn, server_side=True,
                                       do_handshake_on_connect=False), addr

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client refusing the certificate ends the handshake: expected here

    server = Server(("127.0.0.1", 0), Handler)
    state.url = f"https://{host}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class ConnectProxy:
    url: str
    #: The host:port of each CONNECT the proxy was asked for.
    tunnels: list[str] = field(default_factory=list)


@contextmanager
def connect_proxy(answer_after: float = 0.0, drip: bool = False) -> Iterator[ConnectProxy]:
    """An HTTP proxy on 127.0.0.1 that only tunnels (CONNECT), as a bank branch's might. It
    answers a CONNECT after `answer_after` seconds, one byte every 0.5 s when `drip`."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    state = ConnectProxy(url=f"http://127.0.0.1:{listener.getsockname()[1]}")
    stop = threading.Event()

    def pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def tunnel(client: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                client.close()
                return
            head += chunk
        target = head.split(b" ", 2)[1].decode()
        state.tunnels.append(target)
        host, port = target.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)), timeout=5)
        upstream.settimeout(None)
        time.sleep(answer_after)
        answer = b"HTTP/1.1 200 Connection established\r\n\r\n"
        try:
            for i in range(len(answer)) if drip else ():
                if stop.is_set():
                    return
                client.sendall(answer[i:i + 1])
                time.sleep(0.5)
            if not drip:
                client.sendall(answer)
        except OSError:
            return  # the client gave up: what a deadline is for
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        pipe(upstream, client)
        client.close()
        upstream.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=tunnel, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        stop.set()
        thread.join(5)
        listener.close()
