"""Identification's registry entry: ID card, social-security card, app QR code, then the face."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from services.errors import PlatformError

from kiosk.context import ScreenSpec, TaskSpec, TerminalContext
from kiosk.identity import ResidentIdentity

# The flow, the face check and its verifiers (numpy, OpenCV) are imported when a resident
# starts identifying, not when the terminal starts (issue 11).
if TYPE_CHECKING:
    from devices.idcard.base import IdentityDocument

    from kiosk.flows.identify.face_session import FaceSession
    from kiosk.flows.identify.flow import IdentifyFlow
    from kiosk.flows.identify.ways import StaffedHall

log = logging.getLogger(__name__)
#: Beside the outbox database, in the terminal's state folder: wrong staff PINs survive a
#: restart (the lock would be worth little if a power cycle lifted it).
PIN_LOG_FILE = "staff-pin.db"


def start(ctx: TerminalContext, _identity: ResidentIdentity | None) -> IdentifyFlow:
    from devices.camera.verify import LocalFaceVerifier
    from services.identity import IdentityService

    from kiosk.flows.identify.face_session import FaceSession
    from kiosk.flows.identify.face_verifiers import make_verifier
    from kiosk.flows.identify.flow import IdentifyFlow
    from kiosk.flows.identify.pin_guard import PinGuard, SqlitePinLog
    from kiosk.flows.identify.sources import AppCodeSource, Source
    from kiosk.flows.identify.staff_check import StaffCheck
    from kiosk.flows.identify.ways import StaffedHall, Way

    devices, cfg = ctx.devices, ctx.config
    sources: dict[Way, Source] = {}
    if devices.idcard is not None:
        sources["id_card"] = devices.idcard
    if devices.sscard is not None:
        sources["sscard"] = devices.sscard
    platform = IdentityService(ctx.client)
    if devices.camera is not None:
        sources["app"] = AppCodeSource(devices.camera, platform, devices.qr_decoder)
    face_cfg = cfg.face_check
    guard = PinGuard(SqlitePinLog(Path(cfg.outbox.db).parent / PIN_LOG_FILE), ctx.clock,
                     limit=face_cfg.staff_pin_terminal_tries,
                     window_s=face_cfg.staff_pin_window_minutes * 60,
                     lock_s=face_cfg.staff_pin_lock_minutes * 60)

    def face(document: IdentityDocument) -> FaceSession:
        local = LocalFaceVerifier() if face_cfg.backend == "local" or (
            face_cfg.backend == "auto" and LocalFaceVerifier.is_usable()) else None
        return FaceSession(document, camera=devices.camera,
                           verifier=make_verifier(face_cfg.backend, platform, local),
                           max_attempts=face_cfg.max_attempts,
                           staff=StaffCheck(cfg.terminal.staff_pin_sha256,
                                            face_cfg.staff_pin_tries, guard=guard))

    def staffed_hall() -> StaffedHall | None:
        hall_id = cfg.terminal.staffed_hall
        if hall_id is None:
            return None
        try:
            halls = ctx.catalogue.halls()
        except PlatformError as exc:  # offline with nothing cached: the plain sentence instead
            log.info("staffed hall not looked up: %s", type(exc).__name__)
            return None
        found = next((h for h in halls if h.id == hall_id), None)
        if found is None:
            log.warning("terminal.staffed_hall %s is not in the platform's catalogue", hall_id)
            return None
        return StaffedHall(found.name, found.address, found.hours)

    checks_faces = devices.camera is not None and face_cfg.enabled
    return IdentifyFlow(sources, timeout=cfg.timeouts.device, face=face if checks_faces else None,
                        clock=ctx.clock, staffed_hall=staffed_hall)


TASK = TaskSpec(
    key="identify", title="身份认证", on_home=False, needs_identity=False, start=start,
    screens=(ScreenSpec("identify", "kiosk.screens.identify.identify:IdentifyScreen",
                        "screens/identify/identify.kv"),
             ScreenSpec("face", "kiosk.screens.identify.face:FaceScreen",
                        "screens/identify/face.kv")),
    steps={"read": "identify", "face": "face"})
