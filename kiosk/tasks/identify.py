"""Identification's registry entry: ID card, social-security card, app QR code, then the face."""

from __future__ import annotations

from pathlib import Path

from devices.camera.verify import LocalFaceVerifier
from devices.idcard.base import IdentityDocument
from services.identity import IdentityService

from kiosk.context import ScreenSpec, TaskSpec, TerminalContext
from kiosk.flows.identify.face_session import FaceSession
from kiosk.flows.identify.face_verifiers import make_verifier
from kiosk.flows.identify.flow import IdentifyFlow
from kiosk.flows.identify.pin_guard import PinGuard, SqlitePinLog
from kiosk.flows.identify.sources import AppCodeSource, Source
from kiosk.flows.identify.staff_check import StaffCheck
from kiosk.identity import ResidentIdentity

#: Beside the outbox database, in the terminal's state folder: wrong staff PINs survive a
#: restart (the lock would be worth little if a power cycle lifted it).
PIN_LOG_FILE = "staff-pin.db"


def start(ctx: TerminalContext, _identity: ResidentIdentity | None) -> IdentifyFlow:
    devices, cfg = ctx.devices, ctx.config
    sources: list[Source] = [r for r in (devices.idcard, devices.sscard) if r is not None]
    platform = IdentityService(ctx.client)
    if devices.camera is not None:
        sources.append(AppCodeSource(devices.camera, platform))
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

    checks_faces = devices.camera is not None and face_cfg.enabled
    return IdentifyFlow(sources, timeout=cfg.timeouts.device, face=face if checks_faces else None,
                        has_sscard=devices.sscard is not None)


TASK = TaskSpec(
    key="identify", title="身份认证", on_home=False, needs_identity=False, start=start,
    screens=(ScreenSpec("identify", "kiosk.screens.identify.identify:IdentifyScreen",
                        "screens/identify/identify.kv"),
             ScreenSpec("face", "kiosk.screens.identify.face:FaceScreen",
                        "screens/identify/face.kv")),
    steps={"read": "identify", "face": "face"})
