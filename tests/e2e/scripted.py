"""The touch driver of the scripted sessions; it lives in kiosk/devtools/scripted.py, where
`kiosk soak` uses it too (the installed command cannot import tests/)."""

from kiosk.devtools.scripted import (CALLS_PER_STEP, MARGIN, Script, ScriptFailed, ScriptRunner,
                                     app_wait_bound, find_buttons, overlap, settle, tap, until,
                                     walk, window_rect)

__all__ = ["CALLS_PER_STEP", "MARGIN", "Script", "ScriptFailed", "ScriptRunner",
           "app_wait_bound", "find_buttons", "overlap", "settle", "tap", "until", "walk",
           "window_rect"]
