"""Screen name → screen class, so the app can build them without importing each by hand."""

from __future__ import annotations

from importlib import import_module

from kivy.uix.screenmanager import Screen

_CLASSES = {
    "attract": "AttractScreen", "home": "HomeScreen", "identify": "IdentifyScreen",
    "face": "FaceScreen",
    "item": "ItemScreen", "slot": "SlotScreen", "confirm": "ConfirmScreen", "done": "DoneScreen",
}


#: Every screen, in the order the app builds them (each has kiosk/screens/<name>.py and .kv).
SCREENS: tuple[str, ...] = tuple(_CLASSES)


def make(name: str) -> Screen:
    module = import_module(f"kiosk.screens.{name}")
    cls = getattr(module, _CLASSES[name])
    return cls(name=name)
