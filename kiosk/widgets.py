"""Shared widgets: large touch buttons, service tiles, the header, dialogs and busy overlay."""

from __future__ import annotations

import time
from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.scrollview import ScrollView


#: A second press of the same key sooner than this is a bounce or a shaky finger, not a
#: second letter or digit; a deliberate double (a beat later) still counts.
KEY_REPEAT_GUARD = 0.25


class KScrollView(ScrollView):
    """The app's ScrollView: its scroll bar keeps one colour observer, however often it moves.

    Kivy 2.3's update_from_scroll binds `bar_color` again on every call and unbinds it once,
    half a second after the last: every layout pass of a list added an observer that stayed
    (about 240 a booking session, growing without end). Unbinding first keeps exactly one.
    """

    def update_from_scroll(self, *largs: Any) -> None:
        self.funbind("bar_color", self._change_bar_color)
        super().update_from_scroll(*largs)


class KButton(ButtonBehavior, Label):
    """A flat button whose height never drops below the theme's touch target."""

    selected = BooleanProperty(False)
    kind = StringProperty("primary")  # primary | plain | danger
    payload = ObjectProperty(None, allownone=True)
    #: Seconds after a press during which another press of this button is ignored (keys of
    #: a keyboard or keypad: a bounce or a shaky finger must not type the letter twice).
    repeat_guard = NumericProperty(0.0)
    _pressed_at = -1e9

    def on_touch_down(self, touch: Any) -> bool:
        if (self.repeat_guard and not self.disabled and self.collide_point(*touch.pos)
                and time.monotonic() - self._pressed_at < self.repeat_guard):
            return True  # swallowed: the same finger again too soon
        return bool(super().on_touch_down(touch))

    def on_press(self) -> None:
        self._pressed_at = time.monotonic()


class Tile(ButtonBehavior, BoxLayout):
    """A home-screen service tile; services not built yet show as coming, not hidden."""

    title = StringProperty("")
    subtitle = StringProperty("")
    icon_text = StringProperty("")
    available = BooleanProperty(True)
    service = StringProperty("")
    unavailable_reason = StringProperty("")


class Header(BoxLayout):
    """Title, clock, 长辈模式 switch and the way home: on every screen."""

    clock_text = StringProperty("")


class MessageDialog(ModalView):
    """A plain-Chinese message with one clear way on."""

    text = StringProperty("")
    button_text = StringProperty("知道了")


class IdleWarning(ModalView):
    """Countdown before the session resets; a big button keeps it going."""

    seconds = NumericProperty(0)


class BusyOverlay(ModalView):
    """Shown while the terminal waits on the network or a device; always offers a way out."""

    text = StringProperty("请稍候…")
    cancel_text = StringProperty("取消")
    cancellable = BooleanProperty(True)
    on_cancel = ObjectProperty(None, allownone=True)

    def cancel(self) -> None:
        callback = self.on_cancel
        self.dismiss()
        if callback is not None:
            callback()


def app() -> App:
    """The running KioskApp (for screens' Python code)."""
    running = App.get_running_app()
    assert running is not None
    return running
