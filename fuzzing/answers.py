"""Platform answers through the client's parse path: bodies for 2xx, problem+json for errors."""

from __future__ import annotations

import json
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from fuzzing.platform import _BOOKING, SAMPLES, body_bytes, json_value, response
from fuzzing.source import Source, Target, text
from services import errors, schemas
from services.client import parse_response

_TYPES = ("application/json", "application/problem+json", "text/html", "",
          "application/json; charset=utf-16")


@dataclass(frozen=True)
class Answer:
    """What the platform sent back, and the document when the body is one unchanged."""

    status: int
    body: bytes
    content_type: str
    model: type[BaseModel]
    doc: Any  # the sample or problem document when `body` encodes it unchanged, else None


def expected_error(status: int, kind: object) -> type[errors.PlatformError]:
    """The PlatformError a non-2xx status means (Platform API v1, services/client.py)."""
    if status >= 500:
        return errors.PlatformUnavailable
    table: dict[int, type[errors.PlatformError]] = {401: errors.Unauthorized,
                                                    404: errors.NotFound}
    if status in table:
        return table[status]
    if status == 409:
        duplicate = kind == schemas.PROBLEM_DUPLICATE_BOOKING
        return errors.DuplicateBooking if duplicate else errors.Conflict
    if status == 422 and kind == schemas.PROBLEM_IDEMPOTENCY_KEY_REUSED:
        return errors.IdempotencyKeyReused
    return errors.Rejected if 400 <= status < 500 else errors.BadResponse


def gen_answer(src: Source) -> Answer:
    model, sample = src.choice(SAMPLES)
    status = src.choice((200, 200, 201, 204, 299, 302, 400, 404, 409, 422, 429, 500, 503))
    body, doc = body_bytes(src, sample)
    return Answer(status, body, src.choice(_TYPES), model, doc)


Call = Callable[[Answer], BaseModel]


def in_process(case: Answer) -> BaseModel:
    """The client's parse path on the answer built in process (what `make fuzz` runs)."""
    return parse_response(response(case.status, case.body, case.content_type), case.model,
                          "GET", "/v1/fuzz")


def check_answer(case: Answer, call: Call = in_process) -> bool:
    """`call` hands the answer to the client: in process, or over HTTP (tests/fuzz)."""
    try:
        result = call(case)
    except errors.PlatformError as exc:
        if 200 <= case.status < 300:
            # An intact model body is the model whatever the Content-Type says.
            assert type(exc) is errors.BadResponse and case.doc is None
        else:
            assert isinstance(exc, expected_error(case.status, exc.problem_type))
        return False
    assert 200 <= case.status < 300 and isinstance(result, case.model)
    if case.doc is not None:
        assert result == case.model.model_validate(case.doc)
    return True


_PROBLEM_TYPES = (schemas.PROBLEM_DUPLICATE_BOOKING, schemas.PROBLEM_IDEMPOTENCY_KEY_REUSED,
                  schemas.PROBLEM_NOT_FOUND, schemas.PROBLEM_SLOT_FULL, "about:blank")
_HELD = {k: _BOOKING[k] for k in ("reference", "item_id", "item_name", "hall_id", "hall_name",
                                  "date", "start", "end")}


def gen_problem(src: Source) -> Answer:
    status = src.choice((400, 401, 404, 409, 409, 422, 429, 499, 500, 503, 599, 302, 100))
    doc: dict[str, Any] = {"type": src.choice(_PROBLEM_TYPES), "title": text(src, 12),
                           "status": status}
    for key in ("detail", "instance"):
        if src.num(0, 1):
            doc[key] = src.choice((text(src, 20), None, json_value(src, 1)))
    if src.num(0, 1):
        doc.update(_HELD)
    body, intact = body_bytes(src, doc)
    content_type = src.choice(("application/problem+json", "application/problem+json",
                               *_TYPES))
    return Answer(status, body, content_type, schemas.Booking, intact)


def check_problem(case: Answer, call: Call = in_process) -> bool:
    try:
        call(case)
    except errors.PlatformError as exc:
        err = exc
    else:
        raise AssertionError(f"HTTP {case.status} was taken for an answer")
    assert isinstance(err, expected_error(case.status, err.problem_type))
    assert isinstance(str(err), str) and isinstance(err.message, str) and err.message
    if isinstance(err, errors.DuplicateBooking):
        held = err.held  # garbled members are None, never an exception
        assert held is None or isinstance(held, schemas.HeldBooking)
        if case.doc is not None and err.problem and "reference" in case.doc:
            assert held is not None and held.reference == case.doc["reference"]
    try:  # pydantic's own JSON parser on the body: a Problem or a ValidationError
        schemas.Problem.model_validate_json(case.body)
    except ValidationError:
        pass
    problem = _reference_problem(case.body)
    if problem is None:
        assert not err.problem and err.problem_type is None
        return False
    assert err.problem_type == problem.type and err.detail == problem.detail
    assert err.message == (problem.title or type(err).message)
    if case.doc is not None:
        assert err.problem == case.doc
    return True


def _reference_problem(body: bytes) -> schemas.Problem | None:
    """The problem document the body holds (JSON as RFC 8259 reads it), apart from the client."""
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    try:
        return schemas.Problem.model_validate(value)
    except ValidationError:
        return None


TARGETS: tuple[Target[Any], ...] = (
    Target("client_response", "2xx-5xx answers with model bodies intact, edited, deeply "
           "nested, not JSON, wrong charset -> parse_response: the model or a PlatformError "
           "subclass by status", gen_answer, check_answer),
    Target("problem_json", "problem+json bodies (every problem type, extension members, wrong "
           "types, garbage) on error statuses -> the right PlatformError, .held, Problem",
           gen_problem, check_problem),
)
