"""A tiny resident service defined outside kiosk/ (留言板): a flow, one screen, one write kind.

It shows that a new service is its own code plus one registry entry: nothing in the app,
the home screen or the sender is edited for it (tests/kiosk/test_new_service.py).
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk.context import ScreenSpec, TaskSpec, TerminalContext
from kiosk.identity import ResidentIdentity
from offline_cache.sync import Delivered
from services.client import PlatformClient
from writes.kinds import Handler, WriteKind
from writes.queue import WriteQueue

HERE = Path(__file__).resolve().parent
KIND_NOTE = "note.create"


class NoteStep(enum.Enum):
    WRITE = "write"
    SENT = "sent"


class NoteFlow:
    """Write one note: it goes through the outbox like every write of the terminal."""

    def __init__(self, writes: WriteQueue, clock: Callable[[], datetime]) -> None:
        self._writes = writes
        self._clock = clock
        self.step = NoteStep.WRITE
        self.item_id: int | None = None
        self.status = ""

    def send(self, note: str = "大厅空调太冷") -> str:
        sub = self._writes.submit(KIND_NOTE, {"text": note, "at": self._clock().isoformat()},
                                  resident="anonymous", idempotency_key=str(uuid.uuid4()))
        self.item_id = sub.item_id
        self.status = "delivered" if isinstance(sub.result, Delivered) else "queued"
        self.step = NoteStep.SENT
        return self.status

    def wipe(self) -> None:
        self.item_id = None
        self.status = ""


def _bind(client: PlatformClient) -> Handler:
    def send(payload: dict[str, Any], key: str) -> dict[str, Any]:
        # A real service would POST to its Platform API v1 endpoint here.
        return {"saved": payload["text"], "key": key, "platform_up": client.reachable()}
    return send


def _start(ctx: TerminalContext, _identity: ResidentIdentity | None) -> NoteFlow:
    return NoteFlow(ctx.writes, ctx.clock)


TASK = TaskSpec(
    key="note", title="留言板", subtitle="给大厅留一句话", icon="留", needs_identity=False,
    start=_start,
    screens=(ScreenSpec("note", "note_service_screen:NoteScreen", str(HERE / "note_service.kv")),),
    steps={"write": "note", "sent": "note"},
    write_kinds=(WriteKind(KIND_NOTE, _bind),))
