"""Pydantic field types for the request schemas (services/schemas.py) and the sandbox's query
parameters, built on the plain checks of services.validation."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field

from services.validation import (NAME_MAX_LENGTH, date_only, is_valid_id_number, is_valid_phone,
                                 name_problem, timestamp_text, whole_number)


def _id_number(value: str) -> str:
    if not is_valid_id_number(value):
        raise ValueError("not a valid GB 11643 ID number (shape, birth date or check digit)")
    return value


def _phone(value: str) -> str:
    if not is_valid_phone(value):
        raise ValueError("not a mainland mobile number of 11 ASCII digits")
    return value


def _name(value: str) -> str:
    problem = name_problem(value)
    if problem:
        raise ValueError(problem)
    return value


IdNumber = Annotated[str, Field(min_length=18, max_length=18, pattern=r"^[0-9]{17}[0-9X]$",
                                 examples=["11010519491231002X"]),
                     AfterValidator(_id_number)]
Phone = Annotated[str, Field(min_length=11, max_length=11, pattern=r"^1[0-9]{10}$",
                              examples=["13800138000"]),
                  AfterValidator(_phone)]
ResidentName = Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH),
                         AfterValidator(_name)]
#: A timestamp in a request body: an offset is required (+08:00 for China time), and it is
#: text: lax mode alone took the number 0 for 1970-01-01T00:00Z.
Timestamp = Annotated[AwareDatetime, Field(strict=False), BeforeValidator(timestamp_text)]
#: Query parameters are strings by nature; these refuse what pydantic's lax mode would bend.
QueryDate = Annotated[date, BeforeValidator(date_only)]
QueryInt = Annotated[int, BeforeValidator(whole_number)]
