"""PlatformClient: Platform API v1 over a keep-alive requests.Session, with typed errors."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from .errors import (BadResponse, Conflict, DuplicateBooking, IdempotencyKeyReused, NotFound,
                     PlatformError, PlatformUnavailable, Rejected, Unauthorized)
from .schemas import PROBLEM_DUPLICATE_BOOKING, PROBLEM_IDEMPOTENCY_KEY_REUSED, Problem

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

USER_AGENT = "gov-kiosk/0.1 (+Platform API v1)"
#: Extra attempts for GETs after a connection failure. Writes are never retried here: the
#: outbox retries them with the same Idempotency-Key, at its own pace.
GET_RETRIES = 1


class PlatformClient:
    """The terminal's only way to the platform. Every call has a timeout; every write an
    Idempotency-Key; every answer is validated, and every failure is a PlatformError."""

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0,
                 session: requests.Session | None = None) -> None:
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        # The session is the transport seam: tests or adapters may pass their own.
        self._session = session if session is not None else requests.Session()
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
        # twice the timeout. No wait between the two tries: the resident is waiting.
        retry = Retrying(stop=stop_after_attempt(1 + GET_RETRIES),
                         retry=retry_if_exception_type(requests.ConnectionError),
                         before_sleep=retrying, reraise=True)
        try:
            response = retry(self._session.get, self.base_url + path, params=query,
                             headers=self._headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise _unavailable(exc) from None
        return _parse(response, model, "GET", path)

    def get_conditional(self, path: str, params: Mapping[str, Any] | None,
                        etag: str | None) -> tuple[int, str | None, Any]:
        """GET with If-None-Match: (304, etag, None) when unchanged, else (200, etag, json).

        For read caches: the caller validates the JSON against its model when it uses it.
        """
        headers = dict(self._headers)
        if etag:
            headers["If-None-Match"] = etag
        try:
            response = self._session.get(self.base_url + path, params=_query(params),
                                         headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise _unavailable(exc) from None
        if response.status_code == 304:
            return 304, response.headers.get("ETag") or etag, None
        if 200 <= response.status_code < 300:
            try:
                return response.status_code, response.headers.get("ETag"), response.json()
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
        try:
            response = self._session.post(self.base_url + path, json=body, headers=headers,
                                          timeout=self.timeout)
        except requests.RequestException as exc:
            raise _unavailable(exc) from None
        return _parse(response, model, "POST", path)

    def reachable(self, timeout: float = 3.0) -> bool:
        """Does the platform answer at all (GET /healthz)? For the sync worker's probe while
        offline: cheap, no token needed, no personal data, never raises."""
        try:
            response = self._session.get(self.base_url + "/healthz",
                                         timeout=min(timeout, self.timeout))
        except requests.RequestException:
            return False
        return 200 <= response.status_code < 300

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


def _unavailable(exc: requests.RequestException) -> PlatformUnavailable:
    # Only the exception class: its text can hold URLs with query strings.
    return PlatformUnavailable(detail=type(exc).__name__)


def _parse(response: requests.Response, model: type[M], method: str, path: str) -> M:
    log.debug("%s %s -> %s", method, path, response.status_code)
    if 200 <= response.status_code < 300:
        try:
            return model.model_validate(response.json())
        except (ValueError, ValidationError):
            # ValueError covers a body that is not JSON at all (requests' JSONDecodeError).
            raise BadResponse(status=response.status_code,
                              detail=f"{method} {path}: not a valid {model.__name__}") from None
    raise _error(response)


def _problem(response: requests.Response) -> tuple[Problem | None, dict[str, Any]]:
    """The problem document, validated, and all its members (extensions included)."""
    try:
        body = response.json()
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
