"""Platform API v1 models, shared by the terminal's client and the sandbox platform."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# Re-exported: the models' users import the zone and the problem types from here too.
from services.api_constants import *  # noqa: F403
from services.field_types import IdNumber, Phone, ResidentName, Timestamp

Level = Literal["市", "区", "乡镇", "村"]
LEVELS: tuple[str, ...] = ("市", "区", "乡镇", "村")

#: 四办 tags an item can carry (the city's programme names them).
SIBAN_TAGS: tuple[str, ...] = ("马上办", "网上办", "就近办", "一次办")

API_PREFIX = "/v1"
PROBLEM_CONTENT_TYPE = "application/problem+json"


class _Model(BaseModel):
    # Unknown fields are tolerated so that a newer platform does not break older terminals.
    model_config = ConfigDict(extra="ignore")


class _Request(BaseModel):
    # What a terminal sends is taken as typed: no "true" for true, no 1.0 for 1, no number
    # for a string. Timestamps opt out (services.field_types.Timestamp): JSON has no datetime.
    model_config = ConfigDict(extra="forbid", strict=True)


class Guide(_Model):
    """办事指南: what a resident must bring, pay and expect."""

    materials: list[str]
    fee: str = Field(description="Plain-language fee, e.g. '免费' or '10元/本'")
    legal_time_limit_days: int = Field(ge=0, description="法定办结时限 in working days")
    promised_time_limit_days: int = Field(ge=0, description="承诺办结时限 in working days")
    where: str = Field(description="Where to go: the kind of hall or window")
    legal_basis: str = ""


class Item(_Model):
    """One government service item (事项)."""

    id: str
    name: str
    department: str
    level: Level
    tags: list[str] = Field(default_factory=list, description="四办 tags")
    cross_province: bool = Field(description="跨省通办")
    bookable: bool
    life_events: list[str] = Field(default_factory=list, description="一事联办 life-event ids")
    guide: Guide


class ItemList(_Model):
    items: list[Item]
    total: int


class Department(_Model):
    name: str
    item_count: int


class DepartmentList(_Model):
    departments: list[Department]


class LifeEvent(_Model):
    """一事联办: a life event that links several items."""

    id: str
    name: str
    item_ids: list[str]


class LifeEventList(_Model):
    life_events: list[LifeEvent]


class Hall(_Model):
    """A service hall or township/village service centre where appointments are kept."""

    id: str
    name: str
    district: str
    township: str | None = None
    level: Level
    address: str
    hours: str


class HallList(_Model):
    halls: list[Hall]


class Slot(_Model):
    id: str
    start: datetime
    end: datetime
    remaining: int = Field(ge=0)


class SlotList(_Model):
    slots: list[Slot]


class ResidentIn(_Request):
    # extra="ignore" as before: a newer terminal may send more of the resident.
    model_config = ConfigDict(extra="ignore", strict=True)

    id_number: IdNumber
    name: ResidentName
    phone: Phone


class BookingRequest(_Request):
    item_id: str
    hall_id: str
    slot_id: str
    resident: ResidentIn


BookingStatus = Literal["confirmed", "cancelled"]


class Booking(_Model):
    """A booking as the platform reports it. Personal data comes back masked only."""

    reference: str
    status: BookingStatus
    item_id: str
    item_name: str
    hall_id: str
    hall_name: str
    hall_address: str
    slot_id: str
    date: date
    start: datetime
    end: datetime
    resident_name_masked: str
    id_number_masked: str
    created_at: datetime


class HeldBooking(_Model):
    """An active booking the resident already holds, named when a second one of the same item
    on the same day is refused (they are the resident at the terminal: no personal data)."""

    reference: str
    item_id: str
    item_name: str
    hall_id: str
    hall_name: str
    date: date
    start: datetime
    end: datetime


class ProvisionalBookingRequest(_Request):
    """A booking a terminal accepted while it could not reach the platform. The platform
    decides on delivery: the requested slot, else the nearest free one, else a refusal."""

    booking: BookingRequest
    local_reference: str = Field(min_length=6, max_length=40, pattern=r"^[A-Z0-9-]+$",
                                 description="The reference printed on the provisional slip")
    terminal_id: str = Field(min_length=1, max_length=40)
    made_at: Timestamp
    supersedes_key: str | None = Field(
        default=None, max_length=100,
        description="Idempotency-Key of the ordinary booking the terminal tried first; if "
                    "the platform applied it, that booking is the outcome (never two seats)")


ProvisionalOutcomeKind = Literal["confirmed", "moved", "refused"]


class ProvisionalOutcome(_Model):
    """What became of a provisional booking; the SMS told the resident the same."""

    local_reference: str
    outcome: ProvisionalOutcomeKind
    booking: Booking | None = Field(default=None, description="None when refused")
    requested_start: datetime
    reason: str = Field(default="", description="Plain Chinese, set when refused")
    conflict: HeldBooking | None = Field(
        default=None, description="When refused as a double booking: the resident's active "
                                  "booking of the same item on the same day")
    sms_text: str
    decided_at: datetime


class Problem(_Model):
    """RFC 9457 problem details. `title` is plain Chinese a resident can read."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class DuplicateBookingProblem(HeldBooking, Problem):
    """409 `urn:kiosk:problem:duplicate-booking`: one resident (ID number) holds at most one
    active booking per item and day, whatever the slot or hall (a cancelled one does not
    count). The extension members name the booking held; a retry with the first request's
    Idempotency-Key still replays that booking."""


# The problem types (the `type` member) are in services.api_constants, imported above.


# --- identity: live face against the record (统一身份认证) -----------------------------------

class FaceVerifyRequest(_Request):
    """A live face to compare with the platform's reference photo for `id_number`.

    Images are base64 (standard alphabet) JPEG or PNG. `card_photo` is the photo read from the
    ID card (102×126, decoded); the platform uses it only when it holds no reference photo.
    """

    id_number: IdNumber
    live_image: str = Field(min_length=1, max_length=4_000_000)
    card_photo: str | None = Field(default=None, max_length=400_000)


class FaceVerifyResult(_Model):
    """`score` is a similarity in 0..1 (higher = more alike); `match` is score ≥ threshold."""

    match: bool
    score: float = Field(ge=0, le=1)
    threshold: float = Field(ge=0, le=1)
    method: str = Field(description="How the faces were compared, e.g. 'dlib-resnet'")
    reference: Literal["registered", "card-photo"]


PROBLEM_BAD_IMAGE = "urn:kiosk:problem:bad-image"
PROBLEM_IMAGE_TOO_LARGE = "urn:kiosk:problem:image-too-large"
PROBLEM_BODY_TOO_LARGE = "urn:kiosk:problem:body-too-large"
PROBLEM_FACE_NOT_FOUND = "urn:kiosk:problem:face-not-found"
PROBLEM_FACE_REFERENCE_MISSING = "urn:kiosk:problem:face-reference-missing"


class SmsRequest(_Request):
    """Send a booking's details to the resident's phone (when the slip cannot be printed)."""

    phone: Phone


class SmsReceipt(_Model):
    """What the platform sent; the phone comes back masked only."""

    reference: str
    phone_masked: str
    text: str
    sent_at: datetime


class AppLoginRequest(_Request):
    """A login code shown by the resident's mobile app (JHZW1:<token>:<expiry>), token part."""

    token: str = Field(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")


class AppIdentity(_Model):
    """Who the app's login code belongs to: the same facts an ID card gives the terminal."""

    name: str
    id_number: str
    phone: str | None = None


PROBLEM_LOGIN_CODE_INVALID = "urn:kiosk:problem:login-code-invalid"


# --- resident sessions: what an identified resident may read from any terminal --------------

ResidentSessionMethod = Literal["idcard", "sscard", "app_qr"]
ResidentVerifiedBy = Literal["face", "staff", "card", "app"]
#: The header carrying the resident session on private calls.
RESIDENT_SESSION_HEADER = "X-Resident-Session"


class ResidentSessionRequest(_Request):
    """Open a session for the resident the terminal has just identified."""

    method: ResidentSessionMethod
    id_number: IdNumber
    name: ResidentName
    verified_by: ResidentVerifiedBy


class ResidentSession(_Model):
    """A short-lived session bound to one resident and the terminal that opened it."""

    token: str
    expires_at: Timestamp


PROBLEM_RESIDENT_SESSION_INVALID = "urn:kiosk:problem:resident-session-invalid"
