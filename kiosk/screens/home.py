"""Home screen: a large tile for every service; unbuilt ones shown as coming, not hidden."""

from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen

from ..menu import SERVICES
from ..widgets import Tile, app


class HomeScreen(Screen):
    def on_kv_post(self, _base: Any) -> None:
        grid = self.ids.tiles
        for entry in SERVICES:
            tile = Tile(title=entry.title, subtitle=entry.subtitle, icon_text=entry.icon,
                        available=entry.available, service=entry.key)
            tile.bind(on_release=self._open)
            grid.add_widget(tile)

    def _open(self, tile: Tile) -> None:
        if tile.available:
            app().open_service(tile.service)
        else:
            app().show_message(f"“{tile.title}”即将开放。\n现在可以使用“办事预约”，"
                               "其他事项请到人工窗口办理或拨打12345咨询。")
