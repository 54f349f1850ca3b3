"""Screen name → screen class, so the app can build them without importing each by hand."""

from __future__ import annotations

from importlib import import_module

from kivy.uix.screenmanager import Screen

_CLASSES = {
    "attract": ("attract", "AttractScreen"), "home": ("home", "HomeScreen"),
    "identify": ("identify.identify", "IdentifyScreen"), "face": ("identify.face", "FaceScreen"),
    "item": ("booking.item", "ItemScreen"), "slot": ("booking.slot", "SlotScreen"),
    "confirm": ("booking.confirm", "ConfirmScreen"), "done": ("booking.done", "DoneScreen"),
}


#: Every screen, in the order the app builds them (each has kiosk/screens/<name>.py and .kv).
SCREENS: tuple[str, ...] = tuple(_CLASSES)
KV_FILES: tuple[str, ...] = tuple(path.replace('.', '/') + '.kv' for path, _ in _CLASSES.values())


def make(name: str) -> Screen:
    path, cls_name = _CLASSES[name]
    module = import_module(f"kiosk.screens.{path}")
    cls = getattr(module, cls_name)
    return cls(name=name)
