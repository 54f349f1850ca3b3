"""Fixtures for printing through the real cupsd and cups-pdf queue of scripts/services/cups.sh."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.fonts import find_cjk_font
from services.schemas import Booking
from tests.conftest import HOW_TO_RUN

CHINA = timezone(timedelta(hours=8))



@pytest.fixture(scope="session")
def pdf_dir(cups_queue: str) -> Path:
    path = os.environ.get("KIOSK_TEST_PDF_DIR")
    if not path or not os.path.isdir(path):
        pytest.fail(f"KIOSK_TEST_PDF_DIR is not a folder ({path!r}); {HOW_TO_RUN}",
                    pytrace=False)
    return Path(path)


@pytest.fixture(scope="session")
def font_path() -> str:
    return find_cjk_font()


@pytest.fixture()
def booking() -> Booking:
    start = datetime(2025, 1, 6, 9, 30, tzinfo=CHINA)
    return Booking(
        reference="JH250106-0042", status="confirmed", item_id="ITEM-0001",
        item_name="城乡居民基本养老保险待遇申领", hall_id="HALL-01",
        hall_name="江汉市东湖区政务服务中心",
        hall_address="江汉市东湖区青山路88号市民之家二楼",
        slot_id="SLOT-1", date=start.date(), start=start, end=start + timedelta(minutes=30),
        resident_name_masked="张*华", id_number_masked="4207**********1011",
        created_at=datetime(2025, 1, 5, 20, 15, tzinfo=CHINA))


