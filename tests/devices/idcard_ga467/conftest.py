"""Fixtures: a GA 467 emulator on a pseudo-terminal and a reader opened on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ga467_emulator import Card, ReaderEmulator, card_fields

from devices.idcard.ga467 import Ga467Reader


@pytest.fixture()
def emulator() -> Iterator[ReaderEmulator]:
    emu = ReaderEmulator()
    yield emu
    emu.close()


@pytest.fixture()
def reader(emulator: ReaderEmulator) -> Iterator[Ga467Reader]:
    r = Ga467Reader(emulator.path, command_timeout=0.3, poll_interval=0.02)
    r.open()
    yield r
    r.close()


@pytest.fixture()
def card() -> Card:
    return Card(card_fields())
