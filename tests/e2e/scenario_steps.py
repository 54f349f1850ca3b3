"""The steps shared by the scripted sessions; they live in kiosk/devtools/steps.py, where
`kiosk soak` uses them too."""

from kiosk.devtools.steps import (home_fits, measure_targets, on, one, past_face, pick_item,
                                  pick_slot, quiet, screen, to_identify, type_keys, wait_file)

__all__ = ["home_fits", "measure_targets", "on", "one", "past_face", "pick_item", "pick_slot",
           "quiet", "screen", "to_identify", "type_keys", "wait_file"]
