"""A card's validity: the last day still counts, 长期 never ends, the residents fixture agrees."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from devices.idcard.simulated import load_residents


def test_the_last_day_of_validity_still_counts() -> None:
    card = replace(load_residents()[0], valid_until=date(2026, 7, 9))
    assert not card.is_expired(date(2026, 7, 9))
    assert card.is_expired(date(2026, 7, 10))


def test_a_card_valid_for_life_never_expires() -> None:
    card = replace(load_residents()[0], valid_until=None)
    assert not card.is_expired(date(2099, 12, 31))


def test_the_fixture_holds_one_expired_card_and_cards_valid_for_life() -> None:
    """The demo and the tests rely on these: 陈思雨's card ended on 2026-07-09."""
    today = date(2026, 12, 1)
    residents = load_residents()
    expired = [r for r in residents if r.is_expired(today)]
    assert [r.valid_until for r in expired] == [date(2026, 7, 9)]
    assert any(r.valid_until is None for r in residents)
