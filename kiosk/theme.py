"""Type scale, colours and touch-target sizes; 长辈模式 enlarges type 1.5× and raises contrast."""

from __future__ import annotations

from kivy.event import EventDispatcher
from kivy.metrics import dp
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty

ELDERLY_TYPE_FACTOR = 1.5

# Normal: government blue on white. 长辈模式: white/yellow on near-black (contrast > 15:1).
_PALETTES = {
    False: dict(bg=(0.96, 0.97, 0.99, 1), fg=(0.10, 0.12, 0.16, 1), primary=(0.05, 0.33, 0.70, 1),
                primary_text=(1, 1, 1, 1), tile=(1, 1, 1, 1), muted=(0.45, 0.48, 0.55, 1),
                accent=(0.85, 0.20, 0.15, 1), disabled=(0.85, 0.87, 0.90, 1),
                header=(0.05, 0.33, 0.70, 1), ok=(0.10, 0.55, 0.25, 1)),
    True: dict(bg=(0.02, 0.02, 0.02, 1), fg=(1, 1, 1, 1), primary=(1.0, 0.85, 0.0, 1),
               primary_text=(0, 0, 0, 1), tile=(0.12, 0.12, 0.12, 1), muted=(0.85, 0.85, 0.85, 1),
               accent=(1.0, 0.45, 0.35, 1), disabled=(0.25, 0.25, 0.25, 1),
               header=(0, 0, 0, 1), ok=(0.45, 1.0, 0.55, 1)),
}


class Theme(EventDispatcher):
    """Bound from every .kv file as `app.theme`; flipping `elderly` restyles all screens."""

    elderly = BooleanProperty(False)
    font_name = StringProperty("Roboto")

    font_s = NumericProperty(dp(22))
    font_m = NumericProperty(dp(28))
    font_l = NumericProperty(dp(36))
    font_xl = NumericProperty(dp(52))
    target = NumericProperty(dp(72))      # minimum touch target height
    spacing = NumericProperty(dp(16))
    tile_height = NumericProperty(dp(250))  # a home tile at most (less when many must fit)

    bg = ColorProperty(_PALETTES[False]["bg"])
    fg = ColorProperty(_PALETTES[False]["fg"])
    primary = ColorProperty(_PALETTES[False]["primary"])
    primary_text = ColorProperty(_PALETTES[False]["primary_text"])
    tile = ColorProperty(_PALETTES[False]["tile"])
    muted = ColorProperty(_PALETTES[False]["muted"])
    accent = ColorProperty(_PALETTES[False]["accent"])
    disabled = ColorProperty(_PALETTES[False]["disabled"])
    header = ColorProperty(_PALETTES[False]["header"])
    ok = ColorProperty(_PALETTES[False]["ok"])

    def on_elderly(self, _instance: object, elderly: bool) -> None:
        f = ELDERLY_TYPE_FACTOR if elderly else 1.0
        self.font_s, self.font_m = dp(22) * f, dp(28) * f
        self.font_l, self.font_xl = dp(36) * f, dp(52) * f
        # ≥60 dp is the floor in 长辈模式; we go well above it.
        self.target = dp(108) if elderly else dp(72)
        self.spacing = dp(22) if elderly else dp(16)
        self.tile_height = dp(300) if elderly else dp(250)
        for name, value in _PALETTES[elderly].items():
            setattr(self, name, value)
