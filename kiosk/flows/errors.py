"""FlowError: a resident-facing problem raised by a flow; `message` is from kiosk.texts."""

from __future__ import annotations


class FlowError(Exception):
    """A resident-facing problem; `message` is the resident's words (from kiosk.texts)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
