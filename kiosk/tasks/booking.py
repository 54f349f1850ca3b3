"""Booking's registry entry: its tile, what it needs, how it starts, its screens and writes."""

from __future__ import annotations

import logging
import sqlite3
import uuid
from typing import TYPE_CHECKING

import kiosk.tasks
from kiosk.context import Notice, ScreenSpec, TaskSpec, TerminalContext
from kiosk.identity import ResidentIdentity
from kiosk.ports import SlipRenderer
from writes.domains.booking import KINDS

# The flow and the slip (ReportLab) are imported when a booking starts, not when the
# terminal does: the registry entry is read before the first frame (issue 11).
if TYPE_CHECKING:
    from kiosk.flows.booking.flow import BookingFlow
    from kiosk.flows.booking.provisional import OfflineBookings, ProvisionalBooking
    from services.schemas import Booking

log = logging.getLogger(__name__)

#: The registry key of the service that changes or cancels a booking at the terminal (a later
#: issue builds it). Until it is registered with a start, slips name the 12345 hotline only.
MY_BOOKINGS = "my_bookings"


def offline_bookings(ctx: TerminalContext) -> OfflineBookings:
    from kiosk.flows.booking.provisional import OfflineBookings
    return OfflineBookings(ctx.writes, terminal_id=ctx.config.terminal.id, clock=ctx.clock,
                           new_key=lambda: str(uuid.uuid4()))


def change_at_terminal() -> bool:
    """True when this terminal offers changing and cancelling bookings (the registry has a
    built my_bookings service; a 即将开放 tile does not count)."""
    # Looked up through the package at call time: kiosk.tasks imports this module.
    return any(t.key == MY_BOOKINGS and t.available for t in kiosk.tasks.default_registry())


def slip_renderer(ctx: TerminalContext) -> SlipRenderer:
    """The flow's slip renderer: guidance from the services this terminal offers, large type
    when the session is in 长辈模式 at the moment the slip prints."""
    from kiosk.printouts.slip import render_booking_slip
    changes_here = change_at_terminal()

    def render(slip: Booking | ProvisionalBooking) -> bytes:
        return render_booking_slip(slip, font_path=ctx.font_path,
                                   terminal_name=ctx.config.terminal.name,
                                   printed_at=ctx.clock(), change_at_terminal=changes_here,
                                   elderly=_elderly(ctx))

    return render


def _elderly(ctx: TerminalContext) -> bool:
    # The app fills in ui before any flow starts; a headless caller has none: the normal slip.
    ui = ctx.ui
    return ui is not None and bool(ui.theme.elderly)


def start(ctx: TerminalContext, identity: ResidentIdentity | None) -> BookingFlow:
    from kiosk.flows.booking.flow import BookingFlow
    assert identity is not None  # needs_identity: the navigator identifies first
    return BookingFlow(identity=identity, catalogue=ctx.catalogue, bookings=ctx.bookings,
                       printer=ctx.devices.printer, render_slip=slip_renderer(ctx),
                       clock=ctx.clock,
                       print_timeout=ctx.config.devices.printer.timeout, writes=ctx.writes,
                       printer_ready=ctx.printer_ready, offline=offline_bookings(ctx))


def notices(ctx: TerminalContext, identity: ResidentIdentity) -> list[Notice]:
    """What became of the resident's earlier offline bookings, told once when decided."""
    from offline_cache.outbox import OutboxError
    offline = offline_bookings(ctx)
    try:
        found = offline.notices(identity.id_number)
        offline.mark_shown(found)
    except (OutboxError, sqlite3.Error) as exc:
        log.warning("visit notices unavailable: %s", type(exc).__name__)
        return []
    return [Notice(n.title, n.text) for n in found]


TASK = TaskSpec(
    key="booking", title="办事预约", subtitle="预约大厅窗口 打印凭证", icon="约",
    needs=("idcard",), start=start,
    screens=(ScreenSpec("item", "kiosk.screens.booking.item:ItemScreen", "screens/booking/item.kv"),
             ScreenSpec("slot", "kiosk.screens.booking.slot:SlotScreen", "screens/booking/slot.kv"),
             ScreenSpec("confirm", "kiosk.screens.booking.confirm:ConfirmScreen",
                        "screens/booking/confirm.kv"),
             ScreenSpec("done", "kiosk.screens.booking.done:DoneScreen",
                        "screens/booking/done.kv")),
    steps={"choose_item": "item", "choose_slot": "slot", "confirm": "confirm", "done": "done"},
    write_kinds=KINDS, notices=notices)
