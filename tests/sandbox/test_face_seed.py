"""Reference photos seeded for the simulated residents: the demo and tests can verify faces."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path

import cv2
import numpy as np
import pytest

from sandbox import face_seed, identity, store
from sandbox.testing import SandboxHandle
from services.client import PlatformClient
from services.identity import IdentityService

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "devices" / "camera"))
import media  # noqa: E402

RESIDENTS = Path(__file__).resolve().parents[2] / "devices" / "idcard" / "residents.json"


def jpeg(frame: np.ndarray) -> bytes:
    return bytes(cv2.imencode(".jpg", frame)[1].tobytes())


def test_the_seeded_numbers_are_the_simulated_residents() -> None:
    residents = json.loads(RESIDENTS.read_text(encoding="utf-8"))["residents"]
    assert sorted(face_seed.RESIDENT_ID_NUMBERS) == sorted(r["id_number"] for r in residents)


def test_every_resident_verifies_with_the_astronaut_and_not_with_a_stranger(
        shared_platform: SandboxHandle) -> None:
    service = IdentityService(PlatformClient(shared_platform.url, shared_platform.token,
                                             timeout=30))
    for number in face_seed.RESIDENT_ID_NUMBERS:
        same = service.face_verify(number, jpeg(media.face_frame(dx=20)), str(uuid.uuid4()))
        assert same.match and same.reference == "registered"
    stranger = service.face_verify(face_seed.RESIDENT_ID_NUMBERS[0],
                                   jpeg(media.other_faces(2)[1]), str(uuid.uuid4()))
    assert not stranger.match


def test_seeding_keeps_an_operators_own_photo(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    store.initialise(db)
    conn = store.connect(db)
    try:
        own = jpeg(media.other_faces(1)[0])
        identity.register_reference(conn, face_seed.RESIDENT_ID_NUMBERS[0], own)
        assert face_seed.seed_references(conn) == 0  # everyone has one already
        assert identity._reference(conn, face_seed.RESIDENT_ID_NUMBERS[0]) == own
    finally:
        conn.close()


def test_without_scikit_image_nothing_is_seeded(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulates a sandbox installed without the test extra: it must still start.
    monkeypatch.setitem(sys.modules, "skimage", None)
    assert face_seed.reference_photo() is None
    db = tmp_path / "s.db"
    store.initialise(db)
    conn = store.connect(db)
    try:
        assert not identity.has_reference(conn, face_seed.RESIDENT_ID_NUMBERS[0])
    finally:
        conn.close()
