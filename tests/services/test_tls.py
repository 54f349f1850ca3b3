"""TLS of the platform client against a real HTTPS server on 127.0.0.1 with self-made CAs:
the right CA accepted, any other refused, pins on top of the chain, http only on loopback."""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from service_helpers import request_for
from tls_server import Issued, connect_proxy, make_ca, make_leaf, tls_server

from offline_cache.sync import RetryLater
from services.client import PlatformClient
from services.errors import PlatformUnavailable, TlsRefused
from services.schemas import ItemList
from services.tls import TlsAdapter
from writes.domains.booking import KIND_BOOKING
from writes.sender import TLS_REFUSED_WAIT_S, PlatformSender


@dataclass
class Pki:
    ca: Issued
    other_ca: Issued
    leaf: Issued          # by ca, for 127.0.0.1 and localhost
    expired: Issued       # by ca, expired yesterday
    foreign: Issued       # by other_ca, for 127.0.0.1
    elsewhere: Issued     # by ca, for another host only
    renewed: Issued       # by ca, a new certificate for leaf's key


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca, other = make_ca(d, "city"), make_ca(d, "other")
    leaf = make_leaf(d, "leaf", ca)
    return Pki(ca=ca, other_ca=other, leaf=leaf,
               expired=make_leaf(d, "expired", ca,
                                 valid=(timedelta(days=-30), timedelta(days=-1))),
               foreign=make_leaf(d, "foreign", other),
               elsewhere=make_leaf(d, "elsewhere", ca, hosts=("platform.example",)),
               renewed=make_leaf(d, "renewed", ca, key=leaf.key))


def _items(client: PlatformClient) -> ItemList:
    return client.get("/v1/items", None, ItemList)


def test_the_right_ca_is_accepted(pki: Pki) -> None:
    with tls_server(pki.leaf) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file)) as client:
        assert _items(client).total == 0
        assert client.reachable() is True
    assert server.paths == ["/v1/items", "/healthz"]


def test_localhost_is_checked_against_its_name(pki: Pki) -> None:
    with tls_server(pki.leaf, host="localhost") as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file)) as client:
        assert _items(client).total == 0


@pytest.mark.parametrize("name, detail", [
    ("foreign", "trusted CA"), ("expired", "expired"), ("elsewhere", "another IP address"),
], ids=["wrong-ca", "expired", "another-host"])
def test_a_certificate_that_does_not_verify_is_refused(pki: Pki, name: str, detail: str) -> None:
    with tls_server(getattr(pki, name)) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file)) as client:
        with pytest.raises(TlsRefused) as err:
            _items(client)
        assert detail in (err.value.detail or "")
        assert isinstance(err.value, PlatformUnavailable)  # the outbox keeps the write
        assert client.reachable() is False
    assert server.paths == []  # the token never left the terminal
    # Not retried like a dropped connection: one handshake per call (get, then reachable).
    assert server.connections == 2


def test_verification_is_on_without_a_ca_file(pki: Pki) -> None:
    # The public CAs do not know the self-made one.
    with tls_server(pki.leaf) as server, PlatformClient(server.url, "t") as client:
        with pytest.raises(TlsRefused):
            _items(client)
    assert server.paths == []


@pytest.mark.parametrize("how", ["session", "environment"])
def test_neither_the_session_nor_the_environment_turns_verification_off(
        pki: Pki, monkeypatch: pytest.MonkeyPatch, how: str) -> None:
    session = requests.Session()
    if how == "session":
        session.verify = False
    else:  # requests would trust this bundle instead of (or on top of) ca_file
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(pki.other_ca.cert_file))
    with tls_server(pki.foreign) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                           session=session) as client:
        with pytest.raises(TlsRefused):
            _items(client)
    assert server.paths == []


def test_ca_file_replaces_the_public_cas(pki: Pki) -> None:
    session = requests.Session()
    with tls_server(pki.leaf) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                           session=session) as client:
        assert _items(client).total == 0
        # After a call (requests offers its own bundle for each connection), the client
        # still trusts the one CA of ca_file and nothing else.
        adapter = session.get_adapter(server.url)
        assert isinstance(adapter, TlsAdapter)
        assert [ca["subject"] for ca in adapter.context.get_ca_certs()] == [
            ((("commonName", "city test CA"),),)]


@pytest.mark.parametrize("pinned", [True, False], ids=["pinned", "ca-only"])
def test_through_a_connect_proxy_the_same_rules_hold(pki: Pki, pinned: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with connect_proxy() as proxy, tls_server(pki.leaf) as server:
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        pins = [pki.leaf.pin_base64] if pinned else []
        with PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                            pin_sha256=pins) as client:
            assert _items(client).total == 0
        with PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                            pin_sha256=[pki.foreign.pin_base64]) as client:
            with pytest.raises(TlsRefused):
                _items(client)
    assert len(proxy.tunnels) == 2 and server.paths == ["/v1/items"]


def test_the_pinned_key_is_accepted_base64_or_hex(pki: Pki) -> None:
    pins = ["A" * 43 + "=", pki.leaf.pin_base64]
    with tls_server(pki.leaf) as server:
        for pin in (pins, [pki.leaf.spki_sha256.hex()], [f"sha256//{pki.leaf.pin_base64}"]):
            with PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                                pin_sha256=pin) as client:
                assert _items(client).total == 0


def test_a_pin_survives_a_renewed_certificate_with_the_same_key(pki: Pki) -> None:
    with tls_server(pki.renewed) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                           pin_sha256=[pki.leaf.pin_base64]) as client:
        assert _items(client).total == 0


def test_a_wrong_pin_is_refused_even_with_the_right_ca(pki: Pki,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    with tls_server(pki.leaf) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                           pin_sha256=[pki.foreign.pin_base64]) as client:
        with caplog.at_level(logging.WARNING, logger="services.client"):
            with pytest.raises(TlsRefused) as err:
                _items(client)
            assert client.reachable() is False
            assert client.reachable() is False
    assert server.paths == []
    assert "pin" in (err.value.detail or "")
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    # The call warns; the offline probe, every few seconds, only when the reason changes.
    assert len(warnings) == 1 and "pin_sha256" in warnings[0]


def test_a_pin_does_not_replace_the_chain(pki: Pki) -> None:
    # The key is pinned, but its certificate comes from a CA the terminal does not trust.
    with tls_server(pki.foreign) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                           pin_sha256=[pki.foreign.pin_base64]) as client:
        with pytest.raises(TlsRefused) as err:
            _items(client)
    assert "trusted CA" in (err.value.detail or "")


def test_the_outbox_retries_a_tls_refusal_later(pki: Pki) -> None:
    with tls_server(pki.expired) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file)) as client:
        result = PlatformSender(client)(KIND_BOOKING, request_for("HALL-CITY@2026-11-23T09:00"),
                                        "k-1")
    assert isinstance(result, RetryLater)
    assert result.retry_after_s == TLS_REFUSED_WAIT_S
    assert "TlsRefused" in result.reason and "expired" in result.reason


@pytest.mark.parametrize("url", [
    "http://platform.example", "http://10.0.0.1:8000", "http://192.168.1.10",
    "http://[2001:db8::1]", "http://localhost.example", "http://127.0.0.1.example",
    "ftp://127.0.0.1",
])
def test_plain_http_off_this_machine_is_refused_by_the_client(url: str) -> None:
    with pytest.raises(ValueError, match="https://"):
        PlatformClient(url, "t")


@pytest.mark.parametrize("url", ["http://127.0.0.1:1", "http://127.8.9.10:1",
                                 "http://localhost:1", "http://[::1]:1"])
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    with PlatformClient(url, "t", timeout=2) as client:
        assert client.reachable(timeout=1) is False  # allowed, just nobody listening


def test_a_redirect_to_plain_http_is_refused(pki: Pki) -> None:
    with tls_server(pki.leaf) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file)) as client:
        server.redirect = "http://platform.invalid/v1/items"
        with pytest.raises(TlsRefused) as err:
            _items(client)
    assert "plain http" in (err.value.detail or "")


def test_tls_settings_are_checked_when_the_client_is_made(pki: Pki, tmp_path: Path) -> None:
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n", encoding="utf-8")
    for bad in (str(not_pem), str(tmp_path / "missing.pem")):
        with pytest.raises(ValueError, match="ca.pem|missing.pem"):
            PlatformClient("https://platform.example", "t", ca_file=bad)
    for pin in ("abc", pki.leaf.spki_sha256.hex()[:-2], "sha256:" + pki.leaf.pin_base64):
        with pytest.raises(ValueError, match="SHA-256"):
            PlatformClient("https://platform.example", "t", pin_sha256=[pin])


def test_the_readmes_openssl_recipe_gives_the_pin(pki: Pki, tmp_path: Path) -> None:
    """README, "TLS to the platform": the first command, run on a certificate file."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl on this machine")
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = readme.split("### TLS to the platform", 1)[1].split("```sh", 1)[1]
    recipe = block.split("```", 1)[0].strip().splitlines()[0]
    assert "platform.pem" in recipe
    proc = subprocess.run(recipe.replace("platform.pem", str(pki.leaf.cert_file)), shell=True,
                          capture_output=True, text=True, timeout=30, check=True)
    pin = proc.stdout.strip()
    assert pin == pki.leaf.pin_base64
    with tls_server(pki.leaf) as server, \
            PlatformClient(server.url, "t", ca_file=str(pki.ca.cert_file),
                           pin_sha256=[pin]) as client:
        assert _items(client).total == 0


def test_a_session_with_another_clients_adapter_cannot_drop_the_pins(pki: Pki) -> None:
    session = requests.Session()
    PlatformClient("https://platform.example", "t", session=session)
    with pytest.raises(ValueError, match="own https adapter"):
        PlatformClient("https://platform.example", "t", session=session,
                       pin_sha256=[pki.leaf.pin_base64])
