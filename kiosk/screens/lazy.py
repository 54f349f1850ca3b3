"""LazyScreens: a ScreenManager that loads a screen's .kv and builds it the first time it is needed.

Building every screen of every task before the first frame made the terminal's cold start
three times a bare Kivy app's (issue 11). The app declares the registry's screens here and
builds only the attract screen; any other is built when something first asks for it
(`current = name`, `get_screen(name)`), or earlier by `build_next()` in idle time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from importlib import import_module
from pathlib import Path
from typing import Any

from kivy.lang import Builder
from kivy.uix.screenmanager import Screen, ScreenManager

from kiosk.context import ScreenSpec, TerminalContext

KIOSK_DIR = Path(__file__).resolve().parent.parent
#: Called with every screen just built (the app registers wipes, fills in the tiles).
Built = Callable[[Screen], None]


class LazyScreenManager(ScreenManager):
    """Screens declared by spec, built on first use; Kivy's own API sees them all."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._specs: dict[str, ScreenSpec] = {}
        self._ctx: TerminalContext | None = None
        self._on_built: Built = lambda _screen: None
        self._waiting: dict[str, list[Built]] = {}

    def declare(self, specs: Iterable[ScreenSpec], ctx: TerminalContext,
                on_built: Built) -> None:
        """The screens this manager may show, in the order `build_next()` builds them."""
        self._specs.update((spec.name, spec) for spec in specs)
        self._ctx, self._on_built = ctx, on_built

    @property
    def unbuilt(self) -> list[str]:
        return [name for name in self._specs if not self.is_built(name)]

    def is_built(self, name: str) -> bool:
        return bool(ScreenManager.has_screen(self, name))

    def has_screen(self, name: str) -> bool:
        return name in self._specs or super().has_screen(name)

    def get_screen(self, name: str) -> Any:
        if name in self._specs and not super().has_screen(name):
            self._build(self._specs[name])
        return super().get_screen(name)

    def when_built(self, name: str, callback: Built) -> None:
        """Call `callback` with the screen once it exists (now, if it does already)."""
        if super().has_screen(name):
            callback(super().get_screen(name))
        else:
            self._waiting.setdefault(name, []).append(callback)

    def build_next(self) -> bool:
        """Build one declared screen not built yet; False when all are."""
        pending = self.unbuilt
        if pending:
            self._build(self._specs[pending[0]])
        return bool(pending)

    def _build(self, spec: ScreenSpec) -> None:
        # The rules first: Kivy applies a class's rules when the instance is created. Once per
        # process: a second app in it (tests) would otherwise apply every rule twice.
        kv = str(KIOSK_DIR / spec.kv)
        if kv not in Builder.files:
            Builder.load_file(kv)
        module, cls_name = spec.cls.split(":")
        screen = getattr(import_module(module), cls_name)(name=spec.name, ctx=self._ctx)
        self.add_widget(screen)
        self._on_built(screen)
        for callback in self._waiting.pop(spec.name, []):
            callback(screen)
