"""Typed errors of the platform client; `message` is plain Chinese a resident can read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .schemas import HeldBooking


class PlatformError(Exception):
    """Any failure talking to the platform."""

    message = "服务暂时不可用，请稍后再试或到人工窗口办理。"

    def __init__(self, message: str | None = None, *, problem_type: str | None = None,
                 status: int | None = None, detail: str | None = None,
                 problem: Mapping[str, Any] | None = None) -> None:
        if message:
            self.message = message
        self.problem_type = problem_type
        self.status = status
        self.detail = detail
        # The whole problem document, extension members included (never in str()).
        self.problem: dict[str, Any] = dict(problem or {})
        super().__init__(f"{self.__class__.__name__}: {self.message}"
                         + (f" [{problem_type} {status}]" if problem_type else ""))


class PlatformUnavailable(PlatformError):
    """Network down, timeout or 5xx: safe to try again later."""

    message = "网络或平台暂时不可用，请稍后再试。"


class TlsRefused(PlatformUnavailable):
    """The terminal refused the connection: the platform's certificate did not verify
    (unknown CA, expired, another host), its key matches no pin, or the URL is plain http off
    this machine. Still "try later" (the outbox keeps the write), but it will not fix itself
    in seconds: someone has to renew the certificate or the terminal's ca_file or pins."""

    message = "无法与平台建立安全连接，请到人工窗口办理或联系工作人员。"


class BadResponse(PlatformError):
    """The platform answered something that does not match Platform API v1."""

    message = "平台返回的数据有误，请稍后再试或到人工窗口办理。"


class Unauthorized(PlatformError):
    message = "本终端未获授权，请联系工作人员。"


class NotFound(PlatformError):
    message = "没有找到相关信息。"


class Rejected(PlatformError):
    """The platform refused the request for good (4xx other than the ones below)."""

    message = "申请信息有误，请核对后重试。"


class Conflict(PlatformError):
    """409: e.g. the slot filled up meanwhile."""

    message = "该时段已约满，请选择其他时段。"


class DuplicateBooking(Conflict):
    """409 duplicate-booking: the resident already holds this item on this day."""

    message = "您在这一天已预约过这个事项，同一事项同一天只能预约一次。"

    @property
    def held(self) -> HeldBooking | None:
        """The booking held, from the problem's extension members; None when they are
        missing or garbled (the message still says what happened)."""
        # Imported here: the kiosk's error texts import this module before its first frame,
        # and the models (pydantic) are not needed to draw it (issue 11).
        from pydantic import ValidationError

        from .schemas import HeldBooking
        try:
            return HeldBooking.model_validate(self.problem)
        except ValidationError:
            return None


class IdempotencyKeyReused(Rejected):
    message = "重复提交的内容不一致，请重新办理。"
