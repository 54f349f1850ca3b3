"""What a screenshot would show cut off: words outside their screen, or bigger than their box."""

from __future__ import annotations

from typing import Any


def _box(widget: Any) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def _inside(inner: tuple[float, float, float, float],
            outer: tuple[float, float, float, float]) -> bool:
    slack = 1.0  # sub-pixel rounding of dp sizes
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def window_box() -> tuple[float, float, float, float]:
    from kivy.core.window import Window
    return 0.0, 0.0, float(Window.width), float(Window.height)


def clipped(root: Any, in_window: bool = False) -> list[str]:
    """Every visible label of `root` (a screen or a dialog) whose words are cut: a texture
    wider or taller than the label, or a label reaching outside `root` (or the window, for a
    dialog: `in_window`). Inside a ScrollView a label may scroll out of sight by design; the
    ScrollView itself must fit."""
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    bounds = window_box() if in_window else _box(root)
    found: list[str] = []

    def visit(widget: Any, scrolled: bool) -> None:
        if widget.opacity == 0:
            return
        if isinstance(widget, ScrollView):
            if not _inside(_box(widget), bounds):
                found.append(f"a scrolling area at {_box(widget)} outside {bounds}")
            scrolled = True
        if isinstance(widget, Label) and widget.text.strip() and widget.width > 0 \
                and widget.height > 0:
            words = widget.text.replace("\n", " ")[:24]
            tw, th = widget.texture_size
            if tw > widget.width + 1 or th > widget.height + 1:
                found.append(f"{words!r}: text {tw:.0f}x{th:.0f} in a "
                             f"{widget.width:.0f}x{widget.height:.0f} box")
            if not scrolled and not _inside(_box(widget), bounds):
                found.append(f"{words!r} at {_box(widget)} outside {bounds}")
        for child in widget.children:
            visit(child, scrolled)

    visit(root, False)
    return found


def top_inside(widget: Any, root: Any) -> bool:
    """The widget's top edge is within `root` (a heading pushed up off the screen is not)."""
    return _box(widget)[3] <= _box(root)[3] + 1 and _box(widget)[1] >= _box(root)[1] - 1
