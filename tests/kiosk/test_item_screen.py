"""The item screen in the real app offscreen: tabs back and forth never break it, for anyone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.kiosk.test_app_e2e import assert_not_blank, run_script

MOST_REQUESTED_FIRST = "社会保障卡申领"


@pytest.mark.kivy
@pytest.mark.parametrize(("orientation", "elderly"), [("landscape", True), ("portrait", False)])
def test_tabs_back_and_forth_leave_the_list_usable_for_this_and_the_next_resident(
        tmp_path: Path, shared_platform: Any, orientation: str, elderly: bool) -> None:
    extra = ("--elderly",) if elderly else ()
    result, _slips, _logs = run_script(tmp_path, shared_platform, "item_modes", *extra,
                                       orientation=orientation)
    first, second = result["facts"]["sessions"]
    assert first["elderly"] is elderly
    # 首页 mid-task ends the resident's session but not 长辈模式: the same person is there.
    assert second["elderly"] is elderly
    # Under 按部门 the pinyin results are gone at once, not left standing.
    assert first["rows_right_after_tab"] == 0
    for facts in (first, second):
        assert facts["keyboard_over_results"] == 0, facts
        assert facts["keys_in_window"], facts
        assert facts["results_height"] >= 2 * facts["target"], facts
        assert facts["visible_rows"] >= 1, facts
        # Before typing, the most requested items, not catalogue order.
        assert facts["initial"][0] == MOST_REQUESTED_FIRST, facts["initial"]
    for shot in result["shots"]:
        assert_not_blank(shot)


@pytest.mark.kivy
def test_a_burst_of_taps_types_one_letter_and_a_deliberate_double_types_two(
        tmp_path: Path, shared_platform: Any) -> None:
    result, _slips, _logs = run_script(tmp_path, shared_platform, "quick_taps")
    assert result["facts"]["after_burst"] == "S"
    assert result["facts"]["rows_right_after_letter"] == 0
    assert result["facts"]["after_deliberate"] == "SS"


@pytest.mark.kivy
def test_a_second_booking_of_the_same_item_and_day_is_refused_in_plain_words(
        tmp_path: Path, fresh_platform: Any) -> None:
    result, slips, _logs = run_script(tmp_path, fresh_platform, "double_booking")
    facts = result["facts"]
    message = facts["message"]
    assert "已预约" in message and facts["first_reference"] in message, message
    assert "12345" in message  # what to do, without promising a service the terminal lacks
    assert facts["screen"] in ("confirm", "slot")
    assert len(list(slips.glob("*.pdf"))) == 1  # no second slip
    for shot in result["shots"]:
        assert_not_blank(shot)
