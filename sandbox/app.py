"""The sandbox platform's FastAPI application: Platform API v1 over the SQLite store."""

# No `from __future__ import annotations` here: FastAPI must see the route annotations as
# objects, and they refer to dependencies defined inside create_app.
import hashlib
import secrets
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.schemas import (API_PREFIX, PROBLEM_IDEMPOTENCY_KEY_MISSING,
                              PROBLEM_INVALID_REQUEST, PROBLEM_NOT_BOOKABLE, PROBLEM_NOT_FOUND,
                              PROBLEM_RATE_LIMITED, PROBLEM_SLOT_UNAVAILABLE,
                              PROBLEM_UNAUTHORIZED, Booking, BookingRequest, DepartmentList,
                              HallList, Item, ItemList, Level, LifeEventList, SlotList)
from services.field_types import QueryDate, QueryInt
from services.validation import IDEMPOTENCY_KEY_MAX_LENGTH, is_valid_idempotency_key

from . import (api_document, app_login, etag, identity, ledger, limits, problems, provisional,
               resident_sessions, sms, store)
from . import slots as sl
from .pool import ConnectionPool
from .problems import ProblemError, problem_responses
from .rate_limit import TokenBuckets

API_VERSION = "1.0.0"
_bearer = HTTPBearer(auto_error=False, description="The terminal's platform token")


class Clock:
    """Today and now in China Standard Time; frozen at 00:00 of `today` when one is given,
    so that tests and demos see the same slots whatever the wall clock says."""

    def __init__(self, today: date | None) -> None:
        self._today = today

    def now(self) -> datetime:
        if self._today is not None:
            return datetime.combine(self._today, time(0, 0), sl.CST)
        return datetime.now(sl.CST).replace(microsecond=0)


def create_app(db_path: str, tokens: list[str], today: date | None = None,
               sandbox_tools: bool = False) -> FastAPI:
    """Build the app on `db_path` (created and seeded on first use), accepting `tokens`;
    `sandbox_tools` adds the test fixtures under /sandbox (404 without them)."""
    if not tokens:
        raise ValueError("at least one token is needed")
    store.initialise(db_path)
    cat = store.load_catalogue(db_path)
    clock = Clock(today)
    accepted = [t.encode() for t in tokens]

    # The checks that neither block nor wait are `async def`: FastAPI runs a plain `def`
    # dependency in the thread pool, one more hand-over (and wake-up) per request each.
    async def authorise(creds: Annotated[HTTPAuthorizationCredentials | None,
                                         Depends(_bearer)]) -> str:
        """The calling terminal (401 problem for an unknown token)."""
        # compare_digest against every token: no timing hint about which prefix was right.
        given = creds.credentials.encode() if creds else b""
        matches = [secrets.compare_digest(given, t) for t in accepted]
        if not any(matches):
            raise ProblemError(401, PROBLEM_UNAUTHORIZED, "本终端未获授权，请联系工作人员。",
                               headers={"WWW-Authenticate": "Bearer"})
        return terminal_of(given)

    pool = ConnectionPool(lambda: store.connect(db_path, autocheckpoint=False))

    async def db() -> AsyncIterator[sqlite3.Connection]:
        # async: lending and taking back run on the event loop, not as two more hops through
        # the thread pool; the route itself still runs in a worker thread.
        with pool.connection() as conn:
            yield conn

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        pool.close()  # uvicorn has waited for the requests in flight: none is lent

    async def idempotency_key(request: Request, key: Annotated[str | None, Header(
            alias="Idempotency-Key", description="Unique per write; a retry reuses it. "
            f"1–{IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters, sent once")] = None
                              ) -> str:
        # The header declared above documents it; the raw list is read to see a second one,
        # which FastAPI would fold into one value.
        given = request.headers.getlist("idempotency-key")
        if not given or not given[0].strip():
            raise ProblemError(400, PROBLEM_IDEMPOTENCY_KEY_MISSING,
                               "请求缺少防重复提交标识，请重试。",
                               "the Idempotency-Key header is required on every write")
        if len(given) > 1:
            raise ProblemError(400, PROBLEM_INVALID_REQUEST, "请求的防重复提交标识有误，请重试。",
                               "send the Idempotency-Key header once")
        if not is_valid_idempotency_key(given[0]):
            raise ProblemError(400, PROBLEM_INVALID_REQUEST, "请求的防重复提交标识有误，请重试。",
                               f"the Idempotency-Key is 1–{IDEMPOTENCY_KEY_MAX_LENGTH} "
                               "printable ASCII characters")
        return given[0].strip()

    def item_or_404(item_id: str) -> Item:
        item = cat.items_by_id.get(item_id)
        if item is None:
            raise ProblemError(404, PROBLEM_NOT_FOUND, "没有找到这个事项。")
        return item

    Conn = Annotated[sqlite3.Connection, Depends(db)]
    Key = Annotated[str, Depends(idempotency_key)]
    # FastAPI runs a dependency once per request: the router's authorise is this same call.
    Terminal = Annotated[str, Depends(authorise)]

    app = FastAPI(
        lifespan=lifespan, title="Platform API v1 (sandbox)", version=API_VERSION,
        description="The terminal's view of the government-service platform. Errors are "
                    "application/problem+json (RFC 9457) with a `type` URN and a `title` in "
                    "plain Chinese. Times are China Standard Time (+08:00).")
    # Innermost of the middlewares: a body cut off inside the app is answered here, before
    # the catch-all would take it for an internal error.
    app.add_middleware(limits.BodyLimitMiddleware)
    problems.install(app)
    app.add_middleware(etag.CatalogueETagMiddleware)  # catalogue reads revalidate (issue 4)
    v1 = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authorise)],
                   responses=problem_responses(401, 422))

    @app.get("/healthz", tags=["ops"], summary="Liveness (no token needed)")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @v1.get("/items", response_model=ItemList, tags=["catalogue"], summary="Search items")
    def search_items(
        q: Annotated[str, Query(max_length=50, description=(
            "汉字 substring, full pinyin (shebaoka) or pinyin initials (sbk); "
            "space-separated terms must all match"))] = "",
        level: Level | None = None,
        department: Annotated[str | None, Query(max_length=50)] = None,
        life_event: Annotated[str | None, Query(max_length=50)] = None,
        bookable: bool | None = None,
        limit: Annotated[QueryInt, Query(ge=1, le=100)] = 20,
        offset: Annotated[QueryInt, Query(ge=0)] = 0,
    ) -> ItemList:
        """Items matching `q` and the filters, best matches first (name exact or prefix,
        then substring, then pinyin and initials); without `q` the most requested first."""
        found = cat.index.search(q, level=level, department=department, life_event=life_event,
                                 bookable=bookable, limit=limit, offset=offset)
        return ItemList(items=found.items, total=found.total)

    @v1.get("/items/{item_id}", response_model=Item, tags=["catalogue"],
            responses=problem_responses(404))
    def get_item(item_id: Annotated[str, Path(max_length=50)]) -> Item:
        return item_or_404(item_id)

    @v1.get("/departments", response_model=DepartmentList, tags=["catalogue"])
    def departments() -> DepartmentList:
        return DepartmentList(departments=cat.departments)

    @v1.get("/life-events", response_model=LifeEventList, tags=["catalogue"],
            summary="一事联办 life events and their linked items")
    def life_events() -> LifeEventList:
        return LifeEventList(life_events=cat.life_events)

    @v1.get("/halls", response_model=HallList, tags=["halls"], responses=problem_responses(404))
    def halls(item: Annotated[str | None, Query(max_length=50)] = None) -> HallList:
        """All halls; with `item`, the halls that serve it: 市 items at the city hall and the
        district halls, 区 items at district halls, 乡镇 items at township centres and district
        halls, 村 items at village stations and township centres."""
        if item is None:
            return HallList(halls=cat.halls)
        it = item_or_404(item)
        return HallList(halls=[h for h in cat.halls if sl.serves(h, it)])

    @v1.get("/items/{item_id}/slots", response_model=SlotList, tags=["bookings"],
            responses=problem_responses(404))
    def slots(conn: Conn, item_id: Annotated[str, Path(max_length=50)],
              hall: Annotated[str, Query(max_length=50)],
              day: Annotated[QueryDate, Query(alias="date")]) -> SlotList:
        """Half-hour slots with seats left, today and the next 13 days (halls open Mon–Fri,
        city and district halls also Saturday mornings). A day in the past, beyond the window
        or when the hall is closed gives an empty list; slots already begun are left out."""
        it = item_or_404(item_id)
        h = cat.halls_by_id.get(hall)
        if h is None:
            raise ProblemError(404, PROBLEM_NOT_FOUND, "没有找到这个办事大厅。")
        if not it.bookable:
            raise ProblemError(422, PROBLEM_NOT_BOOKABLE, "该事项无需预约，可直接办理。")
        if not sl.serves(h, it):
            raise ProblemError(422, PROBLEM_SLOT_UNAVAILABLE,
                               "该大厅不办理这个事项，请选择其他大厅。")
        return SlotList(slots=ledger.slot_list(conn, cat, h.id, day, clock.now()))

    @v1.post("/bookings", response_model=Booking, status_code=201, tags=["bookings"],
             responses=problem_responses(400, 409, extended={409: "DuplicateBookingProblem"}))
    def create_booking(conn: Conn, key: Key, terminal: Terminal,
                       body: BookingRequest) -> JSONResponse:
        """Book a slot. The same Idempotency-Key with the same body answers the first booking
        again (no second seat); with another body it is refused (422 idempotency-key-reused).
        A resident (ID number) holds at most one active booking of an item per day, whatever
        the slot or hall: a second is 409 duplicate-booking naming the one held (a cancelled
        booking does not count). Only successes are stored: a refused request (e.g. 409 slot
        full) changed nothing and is judged afresh when retried. The booking belongs to the
        calling terminal: another terminal's token gets 404 for it, as for no booking."""
        status, data = ledger.create_booking(conn, cat, terminal, body, key, clock.now())
        return JSONResponse(data, status_code=status)

    lookups = TokenBuckets()

    async def limit_lookups(creds: Annotated[HTTPAuthorizationCredentials | None,
                                             Depends(_bearer)]) -> None:
        """Lookups by reference are rationed per terminal: 500 guesses in 5 s found every
        booking of the day when references were a counter."""
        wait = lookups.take(creds.credentials.encode() if creds else b"")
        if wait is not None:
            raise ProblemError(429, PROBLEM_RATE_LIMITED, "查询太频繁，请稍后再试。",
                               f"lookups by reference: retry after {wait} s",
                               headers={"Retry-After": str(wait)})

    resident = resident_sessions.add_routes(v1, Conn, Terminal, clock.now)
    Resident = Annotated[str | None, Depends(resident)]

    @v1.get("/bookings/{reference}", response_model=Booking, tags=["bookings"],
            responses=problem_responses(404, 429), dependencies=[Depends(limit_lookups)])
    def get_booking(conn: Conn, terminal: Terminal, resident: Resident,
                    reference: Annotated[str, Path(max_length=40)]) -> Any:
        """A booking this terminal made, or one of the resident whose session is in
        X-Resident-Session (made at any terminal); 404 for an unknown reference and for
        anybody else's booking alike."""
        return ledger.get_booking(conn, reference, terminal, resident)

    @v1.post("/bookings/{reference}/cancel", response_model=Booking, tags=["bookings"],
             responses=problem_responses(400, 404, 409, 429),
             dependencies=[Depends(limit_lookups)])
    def cancel_booking(conn: Conn, key: Key, terminal: Terminal, resident: Resident,
                       reference: Annotated[str, Path(max_length=40)]) -> JSONResponse:
        """Cancel and free the seat; cancelling again with another key is 409. Only the
        terminal that made the booking may, or the resident's own session (404 otherwise)."""
        status, data = ledger.cancel_booking(conn, terminal, reference, key, clock.now(),
                                             resident)
        return JSONResponse(data, status_code=status)

    identity.add_routes(v1, Conn)  # POST /v1/identity/face-verify (sandbox/identity.py)
    # The sandbox's own tools (ledger, SMS log, app-login codes) are test fixtures, not
    # Platform API v1: they exist only with `serve --sandbox-tools`, and never in the document.
    tools = APIRouter()
    sms.add_routes(v1, tools, Conn, Key, Terminal, Resident, limit_lookups,
                   clock.now)  # booking details by SMS
    provisional.add_routes(v1, cat, Conn, Key, Terminal, clock.now)  # bookings made offline
    app_login.add_routes(v1, tools, Conn, authorise, clock.now)  # mobile-app QR login
    app.include_router(v1)

    @tools.get("/sandbox/ledger", tags=["sandbox"],
               summary="Every write the sandbox applied for this terminal, once each "
                       "(sandbox only, for tests)")
    def sandbox_ledger(conn: Conn, terminal: Terminal) -> dict[str, list[dict[str, Any]]]:
        return {"writes": ledger.ledger_writes(conn, terminal)}

    if sandbox_tools:
        app.include_router(tools, include_in_schema=False)
        api_document.serve_tools_document(app, tools, API_VERSION)

    api_document.install(app, extra=problems.add_problem_schemas)
    return app


def terminal_of(token: bytes) -> str:
    """The terminal a token stands for, as stored with its bookings: a digest, so that the
    database holds no token a reader could use."""
    return hashlib.sha256(b"kiosk-terminal\n" + token).hexdigest()[:24]


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document, built without a database (docs/openapi.json is this)."""
    return _schema_only_app().openapi()


def sandbox_tools_document() -> dict[str, Any]:
    """The document of the sandbox's own test tools (docs/sandbox-tools.openapi.json)."""
    return api_document.tools_document(_schema_only_app(sandbox_tools=True))


def _schema_only_app(sandbox_tools: bool = False) -> FastAPI:
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        return create_app(f"{tmp}/schema.db", ["unused"], sandbox_tools=sandbox_tools)

