"""Home screen: a large tile for every service in the registry; unbuilt ones shown as coming."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kivy.properties import StringProperty

from kiosk.context import TaskSpec
from kiosk.screens.base import TaskScreen
from kiosk.tasks import unavailable_reason
from kiosk.texts import text
from kiosk.widgets import Tile


class HomeScreen(TaskScreen):
    #: 长辈模式 shows only the services that are open, as large tiles that fit the screen;
    #: the coming ones are named in one line instead of ten greyed-out tiles.
    coming_line = StringProperty("")

    def show_tiles(self, tasks: list[TaskSpec]) -> None:
        """The registry's tiles, in its order (called once by the app)."""
        self._tasks = {t.key: t for t in tasks}
        self._tiles: dict[str, Tile] = {}
        for task in tasks:
            tile = Tile(title=task.title, subtitle=task.subtitle, icon_text=task.icon,
                        available=task.available, service=task.key)
            tile.bind(on_release=self._open)
            self._tiles[task.key] = tile
        self.theme.bind(elderly=self._place_tiles, tile_height=self._fit_rows)
        self.ids.tiles_view.bind(size=self._fit_rows)
        self._place_tiles()

    def _place_tiles(self, *_args: Any) -> None:
        grid = self.ids.tiles
        grid.clear_widgets()
        elderly = self.theme.elderly
        coming = []
        for key, task in self._tasks.items():
            if elderly and not task.available:
                coming.append(task.title)
            else:
                grid.add_widget(self._tiles[key])
        self.coming_line = (text("home.coming_line", titles=text("home.coming_joiner").join(
            coming)) if coming else "")
        self._fit_rows()

    def _fit_rows(self, *_args: Any) -> None:
        """Rows as tall as the screen allows, so every tile is whole without scrolling; only
        below two touch targets per row does the list scroll instead."""
        grid, view = self.ids.tiles, self.ids.tiles_view
        cols = 2 if self.theme.elderly else 3
        if view.width > view.height * 1.2:  # landscape
            cols += 1
        grid.cols = cols
        rows = max(1, -(-len(grid.children) // cols))
        fit = (view.height - grid.spacing[1] * (rows - 1)) / rows
        grid.row_default_height = max(2 * self.theme.target, min(self.theme.tile_height, fit))

    def devices_changed(self, usable: Mapping[str, bool]) -> None:
        """Disable only the services that need a device that is down, saying why."""
        for key, task in self._tasks.items():
            self._tiles[key].unavailable_reason = unavailable_reason(task, usable) or ""

    def _open(self, tile: Tile) -> None:
        if tile.available and tile.unavailable_reason:
            self.ctx.ui.message(text("home.unavailable", title=tile.title,
                                     reason=tile.unavailable_reason))
        elif tile.available:
            self.ctx.nav.open_task(tile.service)
        else:
            self.ctx.ui.message(text("home.coming", title=tile.title, now=self._working_now()))

    def _working_now(self) -> str:
        """"现在可以使用…": the enabled services whose devices are up, named from the registry."""
        titles = [text("home.coming_title", title=task.title) for key, task in self._tasks.items()
                  if task.available and not self._tiles[key].unavailable_reason]
        return (text("home.coming_now", titles=text("home.coming_joiner").join(titles))
                if titles else "")
