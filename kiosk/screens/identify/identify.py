"""Identify screen: ID card and social-security card are read at once; plain words when a
reader is down, and always a way through with staff."""

from __future__ import annotations

import logging
import threading
from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from devices.base import (CardRemoved, DeviceError, DeviceOffline, DeviceState, DeviceUnusable,
                          NoCard)
from devices.camera.qr import NoQrCode, QrPayloadExpired, QrPayloadMalformed
from services.errors import PlatformError
from services.identity import IdentityService
from services.privacy import mask_name

from kiosk.flows.identify.app_login import login_with_app_code
from kiosk.flows.identify.face_check import needs_face_check

from kiosk.widgets import KButton, app

log = logging.getLogger("kiosk.identify")

READER_DOWN = "读卡器暂时无法使用。请使用其他方式，或按“请工作人员协助”。"


class IdentifyScreen(Screen):
    status_text = StringProperty("")
    waiting = BooleanProperty(False)
    demo = BooleanProperty(False)
    sscard_ready = BooleanProperty(False)
    camera_ready = BooleanProperty(False)

    def on_pre_enter(self, *_args: Any) -> None:
        kiosk = app()
        reader = kiosk.devices.idcard
        self.demo = bool(kiosk.cfg.ui.demo and hasattr(reader, "present"))
        self.sscard_ready = kiosk.devices.sscard is not None
        self.camera_ready = kiosk.devices.camera is not None
        self._generation = getattr(self, "_generation", 0) + 1
        self._fill_demo_cards(reader)
        self._fill_demo_app_code()
        self.status_text = "正在等待读卡…"
        self.waiting = True
        for source in self._sources():
            self._read_in_background(source, self._generation)

    def on_leave(self, *_args: Any) -> None:
        self.waiting = False
        self._generation += 1  # late results of the readers are dropped
        for source in self._sources():
            if hasattr(source, "cancel"):
                source.cancel()  # wake the blocked read so its thread ends now

    def _sources(self) -> list[Any]:
        devices = app().devices
        readers: list[Any] = [r for r in (devices.idcard, devices.sscard) if r is not None]
        if devices.camera is not None:
            # One source per screen, so that on_leave can stop the scan that is running.
            if getattr(self, "_app_code", None) is None:
                self._app_code = _AppCodeSource(devices.camera, IdentityService(app().client))
            readers.append(self._app_code)
        return readers

    def _read_in_background(self, reader: Any, generation: int) -> None:
        timeout = app().cfg.timeouts.device

        def read() -> None:
            outcome: Any
            try:
                outcome = reader.read(timeout=timeout)
            except (NoCard, NoQrCode):
                outcome = None
            except CardRemoved:
                outcome = "removed"
            except QrPayloadExpired:
                outcome = "qr-expired"
            except QrPayloadMalformed:
                outcome = "qr-foreign"
            except PlatformError as exc:
                outcome = ("qr-refused", exc.message)
            except (DeviceOffline, DeviceUnusable) as exc:
                log.warning("reader %s down: %s", type(reader).__name__, exc.reason)
                outcome = "down"
            except DeviceError as exc:
                log.warning("card read failed: %s", exc.reason)
                outcome = "failed"
            Clock.schedule_once(lambda _dt: self._on_read(reader, generation, outcome))

        threading.Thread(target=read, daemon=True, name="identify-read").start()

    def _on_read(self, reader: Any, generation: int, outcome: Any) -> None:
        if generation != self._generation or self.manager is None \
                or self.manager.current != self.name:
            return
        if isinstance(outcome, tuple) or outcome in ("qr-expired", "qr-foreign"):
            self.status_text = outcome[1] if isinstance(outcome, tuple) else {
                "qr-expired": "手机上的登录码已过期，请在App中刷新后再对准摄像头。",
                "qr-foreign": "这不是政务App的登录码，请打开“江汉政务”App的扫码登录。",
            }[outcome]
            Clock.schedule_once(lambda _dt: self._again(reader, generation), 3)
            return
        if outcome is None or outcome in ("removed", "failed"):
            self.status_text = {
                None: "没有检测到证件，请把身份证平放在感应区，或插入社保卡。",
                "removed": "读卡时证件被拿开了，请重新放好，读完再拿走。",
                "failed": "证件没有读出来，请重新放一次；多次不行请请工作人员协助。",
            }[outcome]
            Clock.schedule_once(lambda _dt: self._again(reader, generation), 0.5)
            return
        if outcome == "down" and isinstance(reader, _AppCodeSource):
            # The camera is one way among several: retry quietly, the home screen says more.
            Clock.schedule_once(lambda _dt: self._again(reader, generation), 5)
            return
        if outcome == "down":
            self.status_text = READER_DOWN
            # Try again later: a reader that comes back (replugged, pcscd restarted) is used.
            Clock.schedule_once(lambda _dt: self._again(reader, generation), 5)
            return
        self._generation += 1  # the other readers' results no longer matter
        self.waiting = False
        self._identified(outcome)

    def _identified(self, identity: Any) -> None:
        """A card read goes through the face check (when this terminal has a camera); an app
        login does not: the app already verified the person."""
        kiosk = app()
        if not needs_face_check(identity):
            kiosk.session.verified_by = "app"
        elif kiosk.devices.camera is not None and kiosk.cfg.face_check.enabled:
            kiosk.sm.get_screen("face").begin(identity)
            kiosk.go("face")
            return
        else:
            kiosk.session.verified_by = "card"
        kiosk.identified(identity)

    def _again(self, reader: Any, generation: int) -> None:
        if generation == self._generation and self.manager is not None \
                and self.manager.current == self.name:
            if reader.status().state in (DeviceState.OFFLINE, DeviceState.ERROR):
                try:
                    reader.open()  # replugged since? open again without restarting the app
                except DeviceError as exc:
                    log.info("reader still down: %s", exc.reason)
            self._read_in_background(reader, generation)

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

    def _fill_demo_app_code(self) -> None:
        camera = app().devices.camera
        if not self.demo or camera is None or not hasattr(camera, "queue_frames"):
            return
        person = app().devices.idcard.residents()[-1]
        button = KButton(text=f"模拟手机扫码：{mask_name(person.name)}", kind="plain")
        button.bind(on_release=lambda _b: self._show_app_code(person))
        self.ids.demo_cards.add_widget(button)

    def _show_app_code(self, person: Any) -> None:
        """Demo only: ask the sandbox for a login code as the app would, hold it to the camera."""
        from kiosk.devtools.app_code import show_app_login_code
        kiosk = app()
        kiosk.run_task(lambda: show_app_login_code(kiosk.cfg.platform.url,
                                                   kiosk.cfg.platform.token,
                                                   kiosk.devices.camera, person),
                       lambda _r: None)

    def _present(self, button: KButton) -> None:
        try:
            app().devices.idcard.present(button.payload)
        except DeviceError as exc:
            log.warning("simulated card not presented: %s", exc.reason)

    def other_way(self, title: str) -> None:
        if title == "社保卡" and self.sscard_ready:
            app().show_message("请将社保卡芯片朝上插入读卡口，或放在感应区，读完后再取出。")
            return
        if title == "手机扫码" and self.camera_ready:
            app().show_message("打开“江汉政务”App，点“扫码登录”，把手机上的二维码对准屏幕上方的"
                               "摄像头，保持一会儿。")
            return
        app().show_message(f"“{title}”即将开放，请先使用身份证或社保卡。")

    def ask_staff(self) -> None:
        app().show_message("请按服务台的呼叫按钮，或到人工窗口。\n工作人员会核验您的身份并协助办理，"
                           "不需要刷卡或刷脸。")

    def wipe(self) -> None:
        self.status_text = ""


class _AppCodeSource:
    """The camera as a way in: a mobile-app login code, redeemed by the platform."""

    def __init__(self, camera: Any, identity: IdentityService) -> None:
        self._camera = camera
        self._identity = identity
        self._round = 0

    def read(self, timeout: float) -> Any:
        # Short rounds; cancel() ends the scan at the next frame, so that the face screen
        # after a card read has the camera to itself.
        return login_with_app_code(_UntilCancelled(self, self._round), self._identity,
                                   min(timeout, 10.0))

    def cancel(self) -> None:
        self._round += 1

    def status(self) -> Any:
        return self._camera.status()

    def open(self) -> None:
        self._camera.open()


class _UntilCancelled:
    """The camera as seen by one scan: reads stop (NoQrCode) once the source is cancelled."""

    def __init__(self, source: _AppCodeSource, round_: int) -> None:
        self._source = source
        self._round = round_

    def read(self, timeout: float = 2.0) -> Any:
        if self._source._round != self._round:
            raise NoQrCode("the identify screen was left")
        return self._source._camera.read(timeout)
