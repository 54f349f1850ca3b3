"""WriteQueue: the port flows use for writes: commit to the outbox, then try once at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from offline_cache.outbox import Outbox
from offline_cache.sync import Delivered, Refused, RetryLater, SendResult, SyncWorker


@dataclass(frozen=True)
class Submitted:
    """Where a write stands after the resident's tap: delivered, queued, or refused."""

    item_id: int
    idempotency_key: str
    result: SendResult | None  # None: in flight elsewhere or waiting behind an older write


class WriteQueue:
    """Every platform write goes here: durable first, then one attempt now; the sync worker
    delivers what could not be sent, in the resident's order."""

    def __init__(self, outbox: Outbox, worker: SyncWorker) -> None:
        self.outbox = outbox
        self.worker = worker

    def submit(self, kind: str, payload: dict[str, Any], *, resident: str,
               idempotency_key: str) -> Submitted:
        item = self.outbox.enqueue(kind, payload, resident=resident,
                                   idempotency_key=idempotency_key)
        if item.state == "sent" and item.response is not None:
            return Submitted(item.id, item.idempotency_key, Delivered(item.response))
        if item.state == "dead":
            return Submitted(item.id, item.idempotency_key, Refused(item.last_error or ""))
        result = self.worker.send_now(item.id)
        if result is None:
            self.worker.wake()
        elif isinstance(result, RetryLater):
            self.worker.wake()  # the worker takes it from here, on its backoff timer
        return Submitted(item.id, item.idempotency_key, result)
