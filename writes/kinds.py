"""Write kinds: a name, the platform call that applies it, and which conflicts are final."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # requests stays out of the terminal's start (issue 11)
    from services.client import PlatformClient

#: One attempt of one write on the platform: payload and idempotency key in, answer out.
Handler = Callable[[dict[str, Any], str], dict[str, Any]]


@dataclass(frozen=True)
class WriteKind:
    """A kind of write the terminal queues (booking.create, payment.intent, rating.submit...).

    `bind` builds the handler on a platform client; `final_conflicts` lists the 409 problem
    types that will not change by waiting, so such a write goes to the dead letters at once.
    """

    name: str
    bind: Callable[[PlatformClient], Handler]
    final_conflicts: frozenset[str] = field(default_factory=frozenset)


class WriteKinds:
    """The kinds one sender knows. Tasks register theirs; a kind is registered once."""

    def __init__(self, kinds: Iterable[WriteKind] = ()) -> None:
        self._kinds: dict[str, WriteKind] = {}
        for kind in kinds:
            self.register(kind)

    def register(self, kind: WriteKind) -> None:
        known = self._kinds.get(kind.name)
        if known is not None and known is not kind:
            raise ValueError(f"write kind {kind.name!r} is registered twice")
        self._kinds[kind.name] = kind

    def get(self, name: str) -> WriteKind | None:
        return self._kinds.get(name)

    def names(self) -> frozenset[str]:
        return frozenset(self._kinds)

    def __iter__(self) -> Iterator[WriteKind]:
        return iter(self._kinds.values())


def default_kinds() -> WriteKinds:
    """Every kind of every domain module in `writes.domains` (each exports `KINDS`), so a CLI,
    a benchmark or the fleet agent can deliver whatever the app queued, without the app."""
    from . import domains

    found = WriteKinds()
    for info in sorted(pkgutil.iter_modules(domains.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{domains.__name__}.{info.name}")
        for kind in getattr(module, "KINDS", ()):
            found.register(kind)
    return found
