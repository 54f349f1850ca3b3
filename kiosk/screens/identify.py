"""Identify screen: wait for an ID card on the reader; other ways in are shown as coming."""

from __future__ import annotations

import logging
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from devices.base import CardRemoved, DeviceError, NoCard
from services.privacy import mask_name

from ..widgets import KButton, app

log = logging.getLogger("kiosk.identify")


class IdentifyScreen(Screen):
    status_text = StringProperty("")
    waiting = BooleanProperty(False)
    demo = BooleanProperty(False)

    def on_pre_enter(self, *_args: Any) -> None:
        kiosk = app()
        reader = kiosk.devices.idcard
        self.demo = bool(kiosk.cfg.ui.demo and hasattr(reader, "present"))
        self._fill_demo_cards(reader)
        self._wait_for_card()

    def on_leave(self, *_args: Any) -> None:
        self.waiting = False
        reader = app().devices.idcard
        if hasattr(reader, "cancel"):
            reader.cancel()  # wake the blocked read so its thread ends now

    def _wait_for_card(self) -> None:
        kiosk = app()
        reader = kiosk.devices.idcard
        timeout = kiosk.cfg.timeouts.device
        self.waiting = True
        self.status_text = "正在等待读卡…"

        def read() -> Any:
            try:
                return reader.read(timeout=timeout)
            except NoCard:
                return None
            except CardRemoved:
                return "removed"

        kiosk.run_task(read, self._on_read, on_error=self._on_error)

    def _on_read(self, result: Any) -> None:
        if self.manager is None or self.manager.current != self.name:
            return
        if result is None:
            self.status_text = "没有检测到证件，请把身份证平放在感应区。"
            Clock.schedule_once(lambda _dt: self._retry(), 0.5)
            return
        if result == "removed":
            self.status_text = "读卡时证件被拿开了，请重新放好，读完再拿走。"
            Clock.schedule_once(lambda _dt: self._retry(), 0.5)
            return
        self.waiting = False
        app().identified(result)

    def _retry(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self._wait_for_card()

    def _on_error(self, message: str) -> None:
        self.waiting = False
        self.status_text = message

    def _fill_demo_cards(self, reader: Any) -> None:
        box = self.ids.demo_cards
        box.clear_widgets()
        if not self.demo:
            return
        for index, person in enumerate(reader.residents()):
            button = KButton(text=f"模拟放卡：{mask_name(person.name)}", kind="plain",
                             payload=index)
            button.bind(on_release=self._present)
            box.add_widget(button)

    def _present(self, button: KButton) -> None:
        try:
            app().devices.idcard.present(button.payload)
        except DeviceError as exc:
            log.warning("simulated card not presented: %s", type(exc).__name__)

    def other_way(self, title: str) -> None:
        app().show_message(f"“{title}”即将开放，请先使用身份证。\n没有带证件可到人工窗口，"
                           "工作人员会协助您办理。")

    def wipe(self) -> None:
        self.status_text = ""
