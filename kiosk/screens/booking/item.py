"""Step 1 of 3: find the item with a pinyin-initial keyboard or by department / life event."""

from __future__ import annotations

import string
from typing import Any

from kivy.clock import Clock
from kivy.properties import StringProperty

from services.schemas import Item

from kiosk.screens.base import TaskScreen
from kiosk.texts import text
from kiosk.widgets import KButton

MODES = ("pinyin", "department", "life_event")


class ItemScreen(TaskScreen):
    query = StringProperty("")
    mode = StringProperty("pinyin")
    heading = StringProperty("")
    greeting = StringProperty("")
    shown_query = StringProperty("")  # the query whose results are on screen now

    def on_kv_post(self, _base: Any) -> None:
        keys = self.ids.keyboard
        for letter in string.ascii_uppercase:
            button = KButton(text=letter, kind="plain", payload=letter)
            button.bind(on_release=lambda b: self.type_letter(b.payload))
            keys.add_widget(button)
        for label, action in ((text("booking.item.key_delete"), self.backspace),
                              (text("booking.item.key_clear"), self.clear_query)):
            button = KButton(text=label, kind="plain")
            button.bind(on_release=lambda _b, a=action: a())
            keys.add_widget(button)
        self._search_trigger = Clock.create_trigger(self._search, 0.25)
        self._filter: dict[str, str] = {}

    def on_pre_enter(self, *_args: Any) -> None:
        flow = self.flow
        self.greeting = (text("booking.item.greeting", name=flow.resident_name_masked)
                         if flow else "")
        if not self.ids.results.children:
            self.set_mode(self.mode)

    # -- input ---------------------------------------------------------------------------
    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._filter = {}
        if mode == "pinyin":
            self.heading = text("booking.item.heading_pinyin")
            self._search_trigger()
        else:
            self.heading = text("booking.item.heading_department" if mode == "department"
                                else "booking.item.heading_life_event")
            self._load_groups()

    def type_letter(self, letter: str) -> None:
        if len(self.query) < 12:
            self.query += letter.upper()
            self._search_trigger()

    def backspace(self) -> None:
        self.query = self.query[:-1]
        self._search_trigger()

    def clear_query(self) -> None:
        self.query = ""
        self._search_trigger()

    # -- results ---------------------------------------------------------------------------
    def _search(self, _dt: float = 0) -> None:
        flow = self.flow
        if flow is None:
            return
        q = self.query.lower()
        filt = dict(self._filter)
        self.ctx.ui.run_task(lambda: flow.search(q, **filt, limit=30),
                       lambda items: self._show_items(items, q))

    def _show_items(self, items: list[Item], query: str = "") -> None:
        self.shown_query = query
        box = self.ids.results
        box.clear_widgets()
        if not items:
            box.add_widget(KButton(text=text("booking.item.none_found"), kind="plain",
                                   disabled=True))
            return
        for item in items:
            extra = text("booking.item.cross_province") if item.cross_province else ""
            details = text("booking.item.details", department=item.department,
                           level=item.level, extra=extra)
            button = KButton(text=f"{item.name}\n[size={int(self.theme.font_s)}]{details}[/size]",
                             kind="plain", payload=item, markup=True)
            button.bind(on_release=lambda b: self.choose(b.payload))
            box.add_widget(button)
        self.ids.results_scroll.scroll_y = 1

    def _load_groups(self) -> None:
        catalogue = self.ctx.catalogue
        if self.mode == "department":
            work = lambda: [(d.name, d.name) for d in catalogue.departments()]  # noqa: E731
        else:
            work = lambda: [(e.name, e.id) for e in catalogue.life_events()]  # noqa: E731
        self.ctx.ui.run_task(work, self._show_groups)

    def _show_groups(self, groups: list[tuple[str, str]]) -> None:
        box = self.ids.groups
        box.clear_widgets()
        key = "department" if self.mode == "department" else "life_event"
        for label, value in groups:
            button = KButton(text=label, kind="plain", payload=value)
            button.bind(on_release=lambda b, k=key: self._choose_group(k, b.payload, b.text))
            box.add_widget(button)

    def _choose_group(self, key: str, value: str, label: str) -> None:
        self._filter = {key: value}
        self.heading = text("booking.item.heading_group", group=label)
        self._search()

    def choose(self, item: Item) -> None:
        flow = self.flow
        self.ctx.ui.run_task(lambda: flow.choose_item(item), lambda _r: self.ctx.nav.show(),
                       busy_text=text("booking.item.busy"))

    def wipe(self) -> None:
        self.query = ""
        self.greeting = ""
        self.mode = "pinyin"
        self._filter = {}
        self.ids.results.clear_widgets()
        self.ids.groups.clear_widgets()
