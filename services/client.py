"""PlatformClient: Platform API v1 over a keep-alive requests.Session, with typed errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError
from tenacity import (RetryCallState, Retrying, retry_if_exception_type,
                      retry_if_not_exception_type, stop_after_attempt)

from .deadline import CallDeadline, DeadlineExceeded, mount
from .errors import (BadResponse, Conflict, DuplicateBooking, IdempotencyKeyReused, NotFound,
                     PlatformError, PlatformUnavailable, Rejected, TlsRefused, Unauthorized)
from .schemas import PROBLEM_DUPLICATE_BOOKING, PROBLEM_IDEMPOTENCY_KEY_REUSED, Problem
from .tls import TlsAdapter, parse_pin, refusal, tls_context, transport_problem

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

USER_AGENT = "gov-kiosk/0.1 (+Platform API v1)"
#: Extra attempts for GETs after a connection failure. Writes are never retried here: the
#: outbox retries them with the same Idempotency-Key, at its own pace.
GET_RETRIES = 1
#: What /healthz of Platform API v1 answers; anything else (a proxy's or a captive portal's
#: page, another server on the address) is not the platform.
HEALTHY = {"status": "ok"}


class PlatformClient:
    """The terminal's only way to the platform. Every call ends within its timeout (connect,
    headers and body together); every write has an Idempotency-Key; every answer is
    validated, and every failure is a PlatformError.

    TLS (services/tls.py): the certificate chain and host name are always verified, against
    `ca_file` (PEM) instead of the public CAs when given; with `pin_sha256` the leaf's public
    key must also be one of the pins. http:// is refused unless the host is loopback.
    """

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0,
                 session: requests.Session | None = None, ca_file: str | None = None,
                 pin_sha256: Sequence[str] = ()) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if problem := transport_problem(base_url):
            raise ValueError(f"platform URL {problem}")
        if isinstance(pin_sha256, str):
            raise TypeError("pin_sha256 is a list of pins, not one string")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._host = urlsplit(base_url).hostname or ""
        self._last_refusal: str | None = None
        context = tls_context(ca_file, [parse_pin(pin) for pin in pin_sha256])
        # The session is the transport seam: tests or adapters may pass their own. Its plain
        # adapters are replaced by ones that obey the call's deadline and the TLS settings.
        self._session = mount(session if session is not None else requests.Session(),
                              lambda: TlsAdapter(context))
        https = self._session.get_adapter("https://")
        if (ca_file or pin_sha256) and not (isinstance(https, TlsAdapter)
                                            and https.context is context):
            # A session with its own adapter (another client's, say) would drop them silently.
            raise ValueError("ca_file and pin_sha256 need the client's own https adapter; "
                             "the session given has another")
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json, application/problem+json",
            "User-Agent": USER_AGENT,
        }

    def get(self, path: str, params: Mapping[str, Any] | None, model: type[M]) -> M:
        """GET `path` with query `params` (None values dropped) and validate it as `model`."""
        query = _query(params)

        def retrying(state: RetryCallState) -> None:
            log.info("GET %s: connection failed, retrying", path)
        # A GET is safe to repeat after the connection failed (ConnectTimeout included). A
        # read timeout is not a ConnectionError and is not retried: the resident would wait
        # twice the timeout. Nor is a TLS refusal (an SSLError is a ConnectionError): the
        # certificate is no better a moment later. No wait between the two tries: the resident
        # is waiting.
        retry = Retrying(stop=stop_after_attempt(1 + GET_RETRIES),
                         retry=(retry_if_exception_type(requests.ConnectionError)
                                & retry_if_not_exception_type(requests.exceptions.SSLError)),
                         before_sleep=retrying, reraise=True)
        with CallDeadline(self.timeout) as deadline:
            # Both tries share the one deadline: the resident waits for the call, not a try.
            response = self._call(lambda: retry(
                self._send, deadline, "GET", path, params=query, headers=self._headers))
        return parse_response(response, model, "GET", path)

    def get_conditional(self, path: str, params: Mapping[str, Any] | None,
                        etag: str | None) -> tuple[int, str | None, Any]:
        """GET with If-None-Match: (304, etag, None) when unchanged, else (200, etag, json).

        For read caches: the caller validates the JSON against its model when it uses it.
        """
        headers = dict(self._headers)
        if etag:
            headers["If-None-Match"] = etag
        # Retried like get(): a keep-alive connection the network (or a proxy) dropped while
        # idle fails the first try, and a resident waiting on halls must not see that.
        retry = Retrying(stop=stop_after_attempt(1 + GET_RETRIES),
                         retry=(retry_if_exception_type(requests.ConnectionError)
                                & retry_if_not_exception_type(requests.exceptions.SSLError)),
                         reraise=True)
        with CallDeadline(self.timeout) as deadline:
            response = self._call(lambda: retry(
                self._send, deadline, "GET", path, params=_query(params), headers=headers))
        if response.status_code == 304:
            return 304, response.headers.get("ETag") or etag, None
        if 200 <= response.status_code < 300:
            try:
                return response.status_code, response.headers.get("ETag"), _json(response)
            except ValueError:
                raise BadResponse(status=response.status_code,
                                  detail=f"GET {path}: not JSON") from None
        raise _error(response)

    def post(self, path: str, json_body: BaseModel | Mapping[str, Any] | None,
             model: type[M], idempotency_key: str) -> M:
        """POST a write once; the caller keeps `idempotency_key` to retry it safely later."""
        if not idempotency_key or not idempotency_key.strip():
            raise ValueError("every write needs an idempotency key")
        body = (json_body.model_dump(mode="json") if isinstance(json_body, BaseModel)
                else dict(json_body) if json_body is not None else None)
        headers = dict(self._headers, **{"Idempotency-Key": idempotency_key})
        with CallDeadline(self.timeout) as deadline:
            response = self._call(lambda: self._send(
                deadline, "POST", path, json=body, headers=headers))
        return parse_response(response, model, "POST", path)

    def reachable(self, timeout: float = 3.0) -> bool:
        """Is the platform there (GET /healthz answers its own health document)? For the sync
        worker's probe while offline: cheap, no token needed, no personal data, never raises,
        and over within `timeout` seconds."""
        with CallDeadline(min(timeout, self.timeout)) as deadline:
            try:
                response = self._send(deadline, "GET", "/healthz",
                                      headers={"Accept": "application/json"})
                return response.status_code == 200 and _json(response) == HEALTHY
            except requests.exceptions.SSLError as exc:
                self._refused(exc, repeat_quietly=True)
                return False
            except (requests.RequestException, ValueError):
                return False

    def _send(self, deadline: CallDeadline, method: str, path: str,
              **kwargs: Any) -> requests.Response:
        """One request, its body read in full, all within `deadline`."""
        # Each socket operation may take the deadline's whole time, no more; the deadline
        # itself ends a call whose operations each finish in time but never add up.
        try:
            response = self._session.request(method, self.base_url + path, stream=True,
                                             timeout=deadline.seconds, **kwargs)
            with response:
                _ = response.content
        except requests.RequestException:
            if deadline.expired:
                raise DeadlineExceeded("deadline exceeded") from None
            raise
        if deadline.expired:  # the last byte came as the socket was shut
            raise DeadlineExceeded("deadline exceeded")
        return response

    def _call(self, send: Callable[[], requests.Response]) -> requests.Response:
        """`send()`, its failures as PlatformUnavailable (TlsRefused for TLS)."""
        try:
            return send()
        except DeadlineExceeded:
            raise PlatformUnavailable(detail="deadline exceeded") from None
        except requests.exceptions.SSLError as exc:
            raise self._refused(exc) from None
        except requests.RequestException as exc:
            raise _unavailable(exc) from None

    def _refused(self, exc: requests.exceptions.SSLError, *,
                 repeat_quietly: bool = False) -> TlsRefused:
        """The TlsRefused for `exc`, logged as a warning: an operator has to act. The probe
        runs every few seconds while offline: it warns once per reason, then quietly."""
        reason = refusal(exc)
        quiet = repeat_quietly and reason == self._last_refusal
        self._last_refusal = reason
        log.log(logging.DEBUG if quiet else logging.WARNING,
                "TLS to the platform (%s) refused: %s", self._host, reason)
        return TlsRefused(detail=reason)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> PlatformClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _query(params: Mapping[str, Any] | None) -> dict[str, str]:
    query: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None:
            continue
        query[key] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    return query


def _json(response: requests.Response) -> Any:
    """The body as JSON; ValueError when it is not, or is nested too deeply to parse.

    Read from the bytes (UTF-8, or the UTF-16/32 that RFC 8259 readers detect), never through
    a charset in Content-Type: requests decodes any text/* body as Latin-1, which turned every
    Chinese name of a mislabelled answer into mojibake that validated (found by fuzzing).
    """
    try:
        return json.loads(response.content)
    except RecursionError:
        # The json module recurses once per level: ~1,000 nested arrays exhaust the stack.
        raise ValueError("JSON nested too deeply") from None


def _unavailable(exc: requests.RequestException) -> PlatformUnavailable:
    # Only the exception class: its text can hold URLs with query strings.
    return PlatformUnavailable(detail=type(exc).__name__)


def parse_response(response: requests.Response, model: type[M], method: str, path: str) -> M:
    """The answer validated as `model`, or the PlatformError it means (every call ends here)."""
    log.debug("%s %s -> %s", method, path, response.status_code)
    if 200 <= response.status_code < 300:
        try:
            return model.model_validate(_json(response))
        except (ValueError, ValidationError):
            # ValueError covers a body that is not JSON at all (requests' JSONDecodeError).
            raise BadResponse(status=response.status_code,
                              detail=f"{method} {path}: not a valid {model.__name__}") from None
    raise _error(response)


def _problem(response: requests.Response) -> tuple[Problem | None, dict[str, Any]]:
    """The problem document, validated, and all its members (extensions included)."""
    try:
        body = _json(response)
        return Problem.model_validate(body), dict(body)
    except (ValueError, ValidationError, TypeError):
        return None, {}


def _error(response: requests.Response) -> PlatformError:
    status = response.status_code
    problem, members = _problem(response)
    title = problem.title if problem else None
    kind = problem.type if problem else None
    detail = problem.detail if problem else None
    cls: type[PlatformError]
    if status >= 500:
        cls = PlatformUnavailable
    elif status == 401:
        cls = Unauthorized
    elif status == 404:
        cls = NotFound
    elif status == 409:
        cls = DuplicateBooking if kind == PROBLEM_DUPLICATE_BOOKING else Conflict
    elif status == 422 and kind == PROBLEM_IDEMPOTENCY_KEY_REUSED:
        cls = IdempotencyKeyReused
    elif 400 <= status < 500:
        cls = Rejected
    else:
        cls = BadResponse  # 1xx/3xx that requests did not resolve: not Platform API v1
    return cls(title, problem_type=kind, status=status, detail=detail,
               problem=members if problem else None)
