"""Step 1 of 3: find the item with a pinyin-initial keyboard or by department / life event."""

from __future__ import annotations

import string
from typing import Any

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.widget import Widget

from services.schemas import Item

from kiosk.screens.base import TaskScreen
from kiosk.texts import text
from kiosk.widgets import KEY_REPEAT_GUARD, KButton

MODES = ("pinyin", "department", "life_event")
RESULTS_SHOWN = 30


class ItemScreen(TaskScreen):
    query = StringProperty("")
    mode = StringProperty("pinyin")
    heading = StringProperty("")
    greeting = StringProperty("")
    query_text = StringProperty("")  # 已输入：… under the pinyin tab, nothing under the others
    shown_query = StringProperty("")  # the query whose results are on screen now
    landscape = BooleanProperty(False)
    keyboard = ObjectProperty(None)
    groups = ObjectProperty(None)  # the GridLayout of departments / life events

    def on_kv_post(self, _base: Any) -> None:
        self.keyboard = Factory.ItemKeyboard()
        for letter in string.ascii_uppercase:
            self.keyboard.add_widget(self._key(letter, lambda b: self.type_letter(b.payload)))
        self.keyboard.add_widget(self._key(text("booking.item.key_delete"),
                                           lambda _b: self.backspace()))
        self.keyboard.add_widget(self._key(text("booking.item.key_clear"),
                                           lambda _b: self.clear_query()))
        self._groups_scroll = Factory.ItemGroups()
        self.groups = Factory.GridLayout(cols=3, spacing=self.theme.spacing, size_hint_y=None)
        self.groups.bind(minimum_height=self.groups.setter("height"))
        self._groups_scroll.add_widget(self.groups)
        self._search_trigger = Clock.create_trigger(self._search, 0.25)
        self._filter: dict[str, str] = {}
        # Answers come back in any order: only the newest request may fill the list.
        self._request = 0
        self.bind(size=self._fit, mode=self._fit)
        self.theme.bind(elderly=self._fit)
        self._fit()

    @staticmethod
    def _key(label: str, on_release: Any) -> KButton:
        key = KButton(text=label, kind="plain", payload=label, repeat_guard=KEY_REPEAT_GUARD)
        key.bind(on_release=on_release)
        return key

    def _fit(self, *_args: Any) -> None:
        """Dock the keyboard or the groups in the panel and size them for this screen."""
        self.landscape = self.width > self.height
        elderly = self.theme.elderly
        self.keyboard.cols = 6 if self.landscape else 7
        self.groups.cols = 2 if elderly or self.landscape else 3
        wanted: Widget = self.keyboard if self.mode == "pinyin" else self._groups_scroll
        panel = self.ids.panel
        if wanted.parent is not panel:
            panel.clear_widgets()
            panel.add_widget(wanted)
        self.query_text = (text("booking.item.typed", query=self.query or text(
            "booking.item.typed_nothing")) if self.mode == "pinyin" else "")

    def on_query(self, *_args: Any) -> None:
        self._fit()

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
        self.groups.clear_widgets()
        if mode == "pinyin":
            self.heading = text("booking.item.heading_pinyin")
            self._search()
        else:
            self.heading = text("booking.item.heading_department" if mode == "department"
                                else "booking.item.heading_life_event")
            self._request += 1  # a pinyin answer still on its way must not land here
            self._status(text("booking.item.choose_group_first" if mode == "department"
                              else "booking.item.choose_life_event_first"))
            self._load_groups()

    def type_letter(self, letter: str) -> None:
        if len(self.query) < 12:
            self.query += letter.upper()
            self._query_changed()

    def backspace(self) -> None:
        self.query = self.query[:-1]
        self._query_changed()

    def clear_query(self) -> None:
        self.query = ""
        self._query_changed()

    def _query_changed(self) -> None:
        # The list on screen no longer answers the query: say so at once, search a beat later
        # (several letters typed quickly make one request).
        self._request += 1
        self._status(text("booking.item.searching"))
        self._search_trigger()

    # -- results ---------------------------------------------------------------------------
    def _search(self, _dt: float = 0) -> None:
        flow = self.flow
        if flow is None:
            return
        q = self.query.lower() if self.mode == "pinyin" else ""
        filt = dict(self._filter)
        self._request += 1
        request = self._request
        # The old list goes at once: results for SB under the letters SBK would mislead.
        self._status(text("booking.item.searching"))
        self.ctx.ui.run_task(lambda: flow.search(q, **filt, limit=RESULTS_SHOWN),
                             lambda items: self._show_items(items, q, request))

    def _status(self, message: str) -> None:
        box = self.ids.results
        box.clear_widgets()
        box.add_widget(Factory.ItemStatus(text=message))

    def _show_items(self, items: list[Item], query: str, request: int) -> None:
        if request != self._request:
            return  # an older search answered late
        self.shown_query = query
        box = self.ids.results
        box.clear_widgets()
        if not items:
            self._status(text("booking.item.none_found"))
            return
        if not query and not self._filter:
            box.add_widget(Factory.ItemStatus(text=text("booking.item.popular")))
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
        mode = self.mode
        if mode == "department":
            work = lambda: [(d.name, d.name) for d in catalogue.departments()]  # noqa: E731
        else:
            work = lambda: [(e.name, e.id) for e in catalogue.life_events()]  # noqa: E731
        self.ctx.ui.run_task(work, lambda groups: self._show_groups(groups, mode))

    def _show_groups(self, groups: list[tuple[str, str]], mode: str) -> None:
        if mode != self.mode:
            return  # the resident changed tabs while the list was loading
        box = self.groups
        box.clear_widgets()
        key = "department" if mode == "department" else "life_event"
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
        self._request += 1
        self.mode = "pinyin"
        self._filter = {}
        self.heading = ""
        self.shown_query = ""
        self.ids.results.clear_widgets()
        self.groups.clear_widgets()
