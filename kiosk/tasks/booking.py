"""Booking's registry entry: its tile, what it needs, how it starts, its screens and writes."""

from __future__ import annotations

import logging
import sqlite3
import uuid

from kiosk.context import Notice, ScreenSpec, TaskSpec, TerminalContext
from kiosk.flows.booking.flow import BookingFlow
from kiosk.flows.booking.provisional import OfflineBookings, ProvisionalBooking
from kiosk.identity import ResidentIdentity
from kiosk.printouts.slip import render_booking_slip
from offline_cache.outbox import OutboxError
from services.schemas import Booking
from writes.domains.booking import KINDS

log = logging.getLogger(__name__)


def offline_bookings(ctx: TerminalContext) -> OfflineBookings:
    return OfflineBookings(ctx.writes, terminal_id=ctx.config.terminal.id, clock=ctx.clock,
                           new_key=lambda: str(uuid.uuid4()))


def start(ctx: TerminalContext, identity: ResidentIdentity | None) -> BookingFlow:
    assert identity is not None  # needs_identity: the navigator identifies first

    def render(slip: Booking | ProvisionalBooking) -> bytes:
        return render_booking_slip(slip, font_path=ctx.font_path,
                                   terminal_name=ctx.config.terminal.name,
                                   printed_at=ctx.clock())

    return BookingFlow(identity=identity, catalogue=ctx.catalogue, bookings=ctx.bookings,
                       printer=ctx.devices.printer, render_slip=render, clock=ctx.clock,
                       print_timeout=ctx.config.devices.printer.timeout, writes=ctx.writes,
                       printer_ready=ctx.printer_ready, offline=offline_bookings(ctx))


def notices(ctx: TerminalContext, identity: ResidentIdentity) -> list[Notice]:
    """What became of the resident's earlier offline bookings, told once when decided."""
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
