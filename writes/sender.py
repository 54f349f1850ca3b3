"""PlatformSender: the outbox's sender port on Platform API v1; client errors mapped once."""

from __future__ import annotations

from typing import Any

from offline_cache.sync import Delivered, Refused, RetryLater, SendResult
from services.client import PlatformClient
from services.errors import (BadResponse, Conflict, PlatformError, PlatformUnavailable,
                             TlsRefused, Unauthorized)

from .kinds import Handler, WriteKinds, default_kinds

#: How long to wait before resending after a 429 or a 401 (token being rotated).
RATE_LIMIT_WAIT_S = 30.0
#: How long at least before resending after a TLS refusal: a certificate, a CA file or a pin is
#: fixed by a person, not in seconds. The offline probe still brings the write forward as soon
#: as the platform answers properly again.
TLS_REFUSED_WAIT_S = 300.0


class PlatformSender:
    """One attempt of one write: the kind's handler, its errors mapped to a SendResult.

    Every write kind of every task travels this one durable path; the kinds are handed in
    (the app passes the task registry's, the CLIs `default_kinds()`).
    """

    def __init__(self, client: PlatformClient, kinds: WriteKinds | None = None) -> None:
        self.kinds = kinds if kinds is not None else default_kinds()
        self.handlers: dict[str, Handler] = {k.name: k.bind(client) for k in self.kinds}

    def __call__(self, kind: str, payload: dict[str, Any], idempotency_key: str) -> SendResult:
        handler = self.handlers.get(kind)
        spec = self.kinds.get(kind)
        if handler is None or spec is None:
            return Refused(f"unknown write kind {kind!r}")
        try:
            return Delivered(handler(payload, idempotency_key))
        except (ValueError, KeyError, TypeError) as exc:
            # A payload that no longer validates (e.g. written by an older version).
            return Refused(f"payload invalid: {type(exc).__name__}")
        except TlsRefused as exc:
            return RetryLater(_reason(exc), TLS_REFUSED_WAIT_S)
        except PlatformUnavailable as exc:
            return RetryLater(_reason(exc))
        except BadResponse as exc:
            # The write may have been applied; the answer was garbled. Resend the same key.
            return RetryLater(_reason(exc))
        except Unauthorized as exc:
            # Credentials are being fixed by provisioning; nothing is wrong with the write.
            return RetryLater(_reason(exc), RATE_LIMIT_WAIT_S)
        except Conflict as exc:
            if exc.problem_type in spec.final_conflicts:
                return Refused(_reason(exc), exc.status, exc.message, exc.problem or None)
            return RetryLater(_reason(exc))
        except PlatformError as exc:
            if exc.status == 429:
                return RetryLater(_reason(exc), RATE_LIMIT_WAIT_S)
            return Refused(_reason(exc), exc.status, exc.message, exc.problem or None)


def _reason(exc: PlatformError) -> str:
    # Status, problem type and title only: never the request, which holds personal data. A
    # TLS refusal says what was wrong with the certificate (fixed words, no URL).
    detail = exc.detail if isinstance(exc, TlsRefused) else None
    return " ".join(str(p) for p in (exc.status, exc.problem_type, type(exc).__name__, detail)
                    if p)
