"""The ports flows are built with: platform services, printer, clock and resident, as protocols."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: the models (pydantic) stay out of the app's start
    from services.schemas import (Booking, BookingRequest, Department, Hall, Item, ItemList,
                                  LifeEvent, Slot)


class Resident(Protocol):
    """What a flow needs of who is served: a ResidentIdentity (or, in tests, a card read)."""

    @property
    def name(self) -> str: ...

    @property
    def id_number(self) -> str: ...

    @property
    def phone(self) -> str | None: ...


class Catalogue(Protocol):
    def search_items(self, q: str = "", *, level: str | None = None,
                     department: str | None = None, life_event: str | None = None,
                     bookable: bool | None = None, limit: int = 20,
                     offset: int = 0) -> ItemList: ...

    def get_item(self, item_id: str) -> Item: ...

    def departments(self) -> list[Department]: ...

    def life_events(self) -> list[LifeEvent]: ...

    def halls(self, item_id: str | None = None) -> list[Hall]: ...


class Bookings(Protocol):
    def slots(self, item_id: str, hall_id: str, day: date) -> list[Slot]: ...

    def book(self, request: BookingRequest, idempotency_key: str) -> Booking: ...

    def send_sms(self, reference: str, phone: str, idempotency_key: str) -> object: ...


class PdfPrinter(Protocol):
    def print_pdf(self, pdf: bytes, *, title: str, timeout: float = 60.0) -> object: ...


Clock = Callable[[], datetime]
KeyFactory = Callable[[], str]
SlipRenderer = Callable[["Booking"], bytes]
