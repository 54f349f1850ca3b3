"""A wall-clock deadline over a whole HTTP call: connect, headers and body, however they drip."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

# requests' timeout bounds each socket operation only: a server sending one byte just before
# each one ends keeps a call running for as long as it likes. The deadline shuts the call's
# socket down when its time is up, which ends whatever read is blocked on it.

_local = threading.local()


class DeadlineExceeded(requests.Timeout):
    """The call's deadline passed (a Timeout, not a ConnectionError: never retried)."""


class CallDeadline:
    """`with CallDeadline(seconds):` every connection of a DeadlineAdapter used by this thread
    inside the block (from its connect on, for https: a proxy's CONNECT and the handshake
    included) is shut down when `seconds` have passed since the block began."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._lock = threading.Lock()
        self._done = False
        # Connections, and TLS sockets still in their handshake (no connection has them yet).
        self._connections: list[HTTPConnection | socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._outer: CallDeadline | None = None

    def __enter__(self) -> CallDeadline:
        self._outer = getattr(_local, "deadline", None)
        _local.deadline = self
        self._timer.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True  # the connections go back to the pool: never shut them later
            self._connections.clear()
        _local.deadline = self._outer

    def watch(self, connection: HTTPConnection | socket.socket) -> None:
        with self._lock:
            if self._done:
                return
            self._connections.append(connection)
            expired = self.expired
        if expired:
            _shut(connection)

    def _expire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)


def _shut(connection: HTTPConnection | socket.socket) -> None:
    sock = connection if isinstance(connection, socket.socket) else connection.sock
    if sock is None:
        return  # still connecting: the connect timeout bounds that part
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed by the other side: nothing is blocked on it


def _watched(connection: HTTPConnection | socket.socket) -> None:
    deadline: CallDeadline | None = getattr(_local, "deadline", None)
    if deadline is not None:
        deadline.watch(connection)


def watch_handshake(sock: socket.socket) -> None:
    """Let the calling thread's CallDeadline shut `sock` too: a TLS socket in its handshake,
    which a server can drip as slowly as a body (services/tls.py calls this)."""
    _watched(sock)


class _Connection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        # Here rather than in connect(): a kept-alive connection is reused without one.
        _watched(self)
        super().request(*args, **kwargs)


class _TlsConnection(HTTPSConnection):
    def connect(self) -> None:
        # Watched from the start: through a proxy, connect() also waits for the answer to
        # CONNECT on the plain socket (the TLS handshake after it is watched by its socket,
        # services/tls.py), and a proxy can drip that answer as slowly as any server.
        _watched(self)
        super().connect()

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watched(self)
        super().request(*args, **kwargs)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _TlsConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections obey the calling thread's CallDeadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TlsPool}

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        # An HTTP(S)_PROXY from the environment gets its own manager (a SOCKS one keeps its
        # own pools and only the per-operation timeouts).
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = {"http": _Pool, "https": _TlsPool}
        return manager


def mount(session: requests.Session,
          adapter: Callable[[], HTTPAdapter] = DeadlineAdapter) -> requests.Session:
    """`session` with `adapter()`s (DeadlineAdapters or a subclass) for http and https, unless
    it has its own adapters."""
    for prefix in ("http://", "https://"):
        if type(session.get_adapter(prefix)) is HTTPAdapter:
            session.mount(prefix, adapter())
    return session
