"""A new service is its own folder plus one registry entry (issue 8): shown with 留言板, a tiny
service defined in tests/kiosk/note_service*.py, on the real sandbox and the real app."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageStat

from kiosk.context import ScreenSpec, TaskSpec
from kiosk.tasks import default_registry
from offline_cache.sync import Refused, SyncWorker
from sandbox.testing import SandboxHandle
from services.client import PlatformClient
from services.schemas import CHINA_TZ
from writes.outbox import open_outbox
from writes.queue import WriteQueue
from writes.sender import PlatformSender

sys.path.insert(0, str(Path(__file__).parent))
import note_service  # noqa: E402  (beside this file; the app's runner loads it the same way)

from test_app_e2e import run_app, write_config  # noqa: E402


def test_the_registry_gives_the_new_service_its_tile_screens_and_write_kind() -> None:
    registry = default_registry()
    before = [t.key for t in registry.tiles()]
    registry.register(note_service.TASK)
    assert [t.key for t in registry.tiles()] == [*before, "note"]
    assert "note" in [s.name for s in registry.screens()]
    assert note_service.KIND_NOTE in registry.write_kinds().names()
    assert registry.get("note").screen_for(note_service.NoteStep.SENT) == "note"


def test_the_apps_sender_delivers_the_new_kind_only_once_registered(
        shared_platform: SandboxHandle, tmp_path: Path) -> None:
    client = PlatformClient(shared_platform.url, shared_platform.token)
    without = PlatformSender(client, default_registry().write_kinds())
    assert isinstance(without(note_service.KIND_NOTE, {"text": "x"}, "k1"), Refused)
    registry = default_registry()
    registry.register(note_service.TASK)
    outbox = open_outbox(tmp_path / "outbox.db")
    worker = SyncWorker(outbox, PlatformSender(client, registry.write_kinds()),
                        probe=client.reachable)
    flow = note_service.NoteFlow(WriteQueue(outbox, worker), lambda: datetime.now(CHINA_TZ))
    assert flow.send() == "delivered"
    item = outbox.get(flow.item_id or 0)
    assert item.state == "sent" and item.response is not None
    assert item.response["saved"] == "大厅空调太冷" and item.response["platform_up"] is True
    client.close()


def test_a_registry_refuses_clashing_or_dangling_entries() -> None:
    registry = default_registry()
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(TaskSpec("booking", "又一个预约"))
    with pytest.raises(ValueError, match="already taken"):
        registry.register(TaskSpec("other", "别的", screens=(
            ScreenSpec("item", "x:Y", "x.kv"),)))
    with pytest.raises(ValueError, match="unknown screen"):
        registry.register(TaskSpec("other", "别的", steps={"a": "nowhere"}))


def test_booking_kinds_are_deliverable_by_the_headless_tools_too() -> None:
    from kiosk.tasks import check_headless_kinds
    assert check_headless_kinds(default_registry()) == set()


def _not_blank(png: Path) -> bool:
    return max(ImageStat.Stat(Image.open(png).convert("L")).stddev) > 8


@pytest.mark.kivy
def test_the_real_app_shows_the_new_tile_opens_its_screen_and_sends_its_write(
        tmp_path: Path, shared_platform: Any) -> None:
    cfg, slips = tmp_path / "kiosk.toml", tmp_path / "slips"
    write_config(cfg, shared_platform, slips)
    task_file = Path(note_service.__file__)
    result, _logs = run_app(tmp_path, cfg, "extra_task", "--extra-task", str(task_file))
    facts = result["facts"]
    assert facts["task"] == "note" and facts["status"] == "delivered"
    assert facts["outbox"] == ["note.create", "sent"]
    for shot in ("01-home", "02-note", "03-delivered"):
        assert _not_blank(tmp_path / "out" / f"{shot}.png"), shot


def test_nothing_outside_the_new_service_names_it() -> None:
    """The app, the home screen and the sender were not edited for 留言板."""
    root = Path(__file__).resolve().parents[2]
    for path in ("kiosk/app.py", "kiosk/screens/home.py", "writes/sender.py",
                 "kiosk/navigator.py"):
        assert "note" not in (root / path).read_text(encoding="utf-8").lower().replace(
            "notice", ""), path
