"""Session idle timing and wipe, without Kivy."""

from __future__ import annotations

from kiosk.session import IdleState, IdleTimeouts, Session


def test_idle_warning_then_expiry() -> None:
    s = Session(IdleTimeouts(idle=60, warning=20), now=0)
    assert s.tick(59) is IdleState.ACTIVE
    assert s.tick(60) is IdleState.WARNING
    assert s.seconds_left(65) == 15
    assert s.tick(80) is IdleState.EXPIRED


def test_touch_and_extend_restart_the_clock() -> None:
    s = Session(IdleTimeouts(idle=60, warning=20), now=0)
    s.touch(50)
    assert s.tick(100) is IdleState.ACTIVE
    assert s.tick(115) is IdleState.WARNING
    s.extend(115)
    assert s.tick(170) is IdleState.ACTIVE


def test_elderly_mode_is_slower() -> None:
    s = Session(IdleTimeouts(idle=60, warning=20, elderly_factor=2), now=0)
    s.elderly = True
    assert s.tick(100) is IdleState.ACTIVE
    assert s.tick(120) is IdleState.WARNING
    assert s.tick(160) is IdleState.EXPIRED


def test_wipe_forgets_identity_flow_and_calls_hooks() -> None:
    s = Session(IdleTimeouts(idle=60, warning=20), now=0)
    wiped: list[str] = []

    class Flow:
        def wipe(self) -> None:
            wiped.append("flow")

    s.start(object(), now=1)  # type: ignore[arg-type]  # any object will do
    s.flow = Flow()
    s.elderly = True
    s.on_wipe(lambda: wiped.append("screen"))
    s.wipe(now=2)
    assert s.identity is None and s.flow is None and not s.elderly
    assert wiped == ["flow", "screen"]
