"""The dev panel: buttons that drive the simulated devices' control handles in the demo.

It is mounted into the identify and face screens' empty slots by whoever launches the demo
(`kiosk demo`, the e2e runner); the screens themselves know nothing of simulated devices.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from devices.base import DeviceError
from devices.camera.simulated import SimulatedCameraControl
from devices.idcard.simulated import SimulatedCardControl
from services.privacy import mask_name

from kiosk.texts import text

from .app_code import show_app_login_code
from .faces import show_face

log = logging.getLogger(__name__)


def mount(app: Any, staff_pin: str | None = None) -> None:
    """Add the panel to a built KioskApp whose config asks for it (`ui.demo`).

    `staff_pin` is the demo's own staff PIN (the config holds only its hash): shown on the
    face screen's panel, so whoever tries the demo can try the staff way too.

    Importing this module must not import Kivy's widgets: launchers import it before boot
    sets the window's density, which the theme's sizes are computed from.
    """
    if not app.cfg.ui.demo:
        return
    controls = app.devices.controls
    card = controls.get("idcard")
    camera = controls.get("camera")

    # The screens are built on first use (or in idle time after the first frame): the
    # buttons go in when they are, so the demo starts as fast as the terminal.
    def identify_built(identify: Any) -> None:
        if isinstance(card, SimulatedCardControl):
            _card_buttons(identify, card)
            if isinstance(camera, SimulatedCameraControl):
                _app_code_button(identify, app, camera, card)

    def face_built(face: Any) -> None:
        if isinstance(camera, SimulatedCameraControl):
            _face_buttons(app, face, camera)
            if staff_pin:
                _staff_pin_hint(face, staff_pin)
    app.sm.when_built("identify", identify_built)
    app.sm.when_built("face", face_built)


def _staff_pin_hint(screen: Any, pin: str) -> None:
    from kivy.factory import Factory
    screen.ids.demo_faces.add_widget(Factory.DemoHint(text=text("dev.staff_pin", pin=pin)))


def _card_buttons(screen: Any, card: SimulatedCardControl) -> None:
    from kiosk.widgets import KButton
    box = screen.ids.demo_cards
    screen.demo = True
    for index, person in enumerate(card.residents()):
        button = KButton(text=text("dev.card", name=mask_name(person.name)), kind="plain",
                         payload=index)

        def present(b: KButton) -> None:
            try:
                card.present(b.payload)
            except DeviceError as exc:
                log.warning("simulated card not presented: %s", exc.reason)
        button.bind(on_release=present)
        box.add_widget(button)


def _app_code_button(screen: Any, app: Any, camera: SimulatedCameraControl,
                     card: SimulatedCardControl) -> None:
    from kiosk.widgets import KButton
    person = card.residents()[-1]
    button = KButton(text=text("dev.app_code", name=mask_name(person.name)), kind="plain")
    platform = app.cfg.platform

    def show(_b: KButton) -> None:
        # Off the main thread: the sandbox call must not freeze the screen.
        threading.Thread(target=show_app_login_code, daemon=True, name="demo-app-code",
                         args=(platform.url, platform.token, camera, person)).start()
    button.bind(on_release=show)
    screen.ids.demo_cards.add_widget(button)


def _face_buttons(app: Any, screen: Any, camera: SimulatedCameraControl) -> None:
    from kiosk.widgets import KButton
    screen.demo = True
    box = screen.ids.demo_faces
    for label, stranger in ((text("dev.face_self"), False), (text("dev.face_stranger"), True)):
        button = KButton(text=label, kind="plain", payload=stranger)

        def show(b: KButton) -> None:
            session = screen.face
            if session is None or session.check is None:
                return
            check = session.check
            if not show_face(camera, check.challenge, b.payload, check.frame_budget):
                app.ctx.ui.message(text("face.demo_photos_missing"))
        button.bind(on_release=show)
        box.add_widget(button)

    # The demo's person steps away on 再试一次 and when the screen is left (a pass opens the
    # service): the rest of a clip would otherwise open the next check, the next card read's,
    # with the head already turning back the other way, and fail it.
    def step_away(*_a: Any) -> None:
        camera.clear_queue()
    screen.bind(on_retry=step_away, on_leave=step_away)
