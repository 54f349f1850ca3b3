"""Home screen: a large tile for every service in the registry; unbuilt ones shown as coming."""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.context import TaskSpec
from kiosk.screens.base import TaskScreen
from kiosk.tasks import unavailable_reason
from kiosk.texts import text
from kiosk.widgets import Tile


class HomeScreen(TaskScreen):
    def show_tiles(self, tasks: list[TaskSpec]) -> None:
        """The registry's tiles, in its order (called once by the app)."""
        grid = self.ids.tiles
        grid.clear_widgets()
        self._tasks = {t.key: t for t in tasks}
        self._tiles: dict[str, Tile] = {}
        for task in tasks:
            tile = Tile(title=task.title, subtitle=task.subtitle, icon_text=task.icon,
                        available=task.available, service=task.key)
            tile.bind(on_release=self._open)
            grid.add_widget(tile)
            self._tiles[task.key] = tile

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
