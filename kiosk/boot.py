"""Start-up: validate config, find the font, configure Kivy's window, then run the app."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import Any

from .config import KioskConfig
from .fonts import FontNotFound, start_font_search
from .heap import limit_arenas

log = logging.getLogger("kiosk.boot")

SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080)}


class StartupError(Exception):
    """The terminal cannot start; the message says what to fix."""


def configure_kivy(config: KioskConfig) -> str:
    """Set window size, density and font before Kivy creates its window. Returns the font."""
    try:
        # fontconfig answers while Kivy is imported below: fc-list takes tens of ms (issue 11).
        font_found = start_font_search(config.ui.font)
    except FontNotFound as exc:
        raise StartupError(f"ui.font: {exc}") from None
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    # Layout is in dp; scaling the density with the window keeps the demo's proportions.
    os.environ["KIVY_METRICS_DENSITY"] = str(config.ui.scale)
    from kivy.config import Config

    width, height = SIZES[config.ui.orientation]
    # Multiples of 4: GL reads RGB rows 4-byte aligned, and screenshots of other widths
    # shear; 1080×1920 at the demo's 0.5 stays exactly 540×960.
    Config.set("graphics", "width", str(int(width * config.ui.scale) // 4 * 4))
    Config.set("graphics", "height", str(int(height * config.ui.scale) // 4 * 4))
    Config.set("graphics", "fullscreen", "auto" if config.ui.fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0" if config.ui.fullscreen else "1")
    Config.set("input", "mouse", "mouse,multitouch_on_demand")
    from kivy.core.text import DEFAULT_FONT, LabelBase

    try:
        font = font_found()
    except FontNotFound as exc:
        raise StartupError(f"ui.font: {exc}") from None

    # Kivy routes Python logging through its own handler at DEBUG; keep library chatter out.
    for noisy in ("urllib3", "services", "PIL"):
        logging.getLogger(noisy).setLevel(logging.INFO)
    # Every widget uses the CJK font: Kivy's bundled Roboto has no Chinese glyphs.
    LabelBase.register(DEFAULT_FONT, font, font, font, font)
    return font


def build_app(config: KioskConfig, on_built: tuple[Callable[[Any], None], ...] = (),
              registry: Any = None) -> Any:
    """The app, not yet running; `on_built` hooks run once its screens exist (a dev panel);
    `registry` replaces the default task registry (kiosk.tasks.default_registry())."""
    font = configure_kivy(config)
    limit_arenas()  # before the app's threads allocate: they would each get an arena
    from devices.base import DeviceUnusable

    from .app import KioskApp
    try:
        return KioskApp(config, font, on_built=on_built, registry=registry)
    except DeviceUnusable as exc:
        raise StartupError(f"devices: {exc}") from None


def run(config: KioskConfig, on_built: tuple[Callable[[Any], None], ...] = ()) -> int:
    try:
        app = build_app(config, on_built)
    except StartupError as exc:
        print(f"kiosk: cannot start: {exc}", file=sys.stderr)
        return 2
    app.run()
    return 0
