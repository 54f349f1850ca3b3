"""Home screen: a large tile for every service; unbuilt ones shown as coming, not hidden."""

from __future__ import annotations

from typing import Any

from kivy.uix.screenmanager import Screen

from ..menu import SERVICES, unavailable_reason
from ..widgets import Tile, app


class HomeScreen(Screen):
    def on_kv_post(self, _base: Any) -> None:
        grid = self.ids.tiles
        self._tiles: dict[str, Tile] = {}
        for entry in SERVICES:
            tile = Tile(title=entry.title, subtitle=entry.subtitle, icon_text=entry.icon,
                        available=entry.available, service=entry.key)
            tile.bind(on_release=self._open)
            grid.add_widget(tile)
            self._tiles[entry.key] = tile

    def devices_changed(self, usable: dict[str, bool]) -> None:
        """Disable only the services that need a device that is down, saying why."""
        for entry in SERVICES:
            self._tiles[entry.key].unavailable_reason = unavailable_reason(entry, usable) or ""

    def _open(self, tile: Tile) -> None:
        if tile.available and tile.unavailable_reason:
            app().show_message(f"“{tile.title}”现在无法办理：{tile.unavailable_reason}。")
        elif tile.available:
            app().open_service(tile.service)
        else:
            app().show_message(f"“{tile.title}”即将开放。\n现在可以使用“办事预约”，"
                               "其他事项请到人工窗口办理或拨打12345咨询。")
