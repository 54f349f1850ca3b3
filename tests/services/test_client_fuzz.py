"""The fuzz targets for platform answers (fuzzing/answers.py) once through real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_platform import FakePlatform, FakeReply, FakeRequest, fake_platform
from hypothesis import HealthCheck, assume, given, settings
from pydantic import BaseModel

from fuzzing.answers import Answer, check_answer, check_problem
from fuzzing.targets import TARGETS
from services.client import PlatformClient

# A handful: `make fuzz` runs a million of each in process; this proves that the in-process
# answers stand for what a socket delivers.
FEW = settings(max_examples=25, deadline=None, derandomize=True, database=None,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow, HealthCheck.data_too_large])


class Serving:
    """The fake platform answering whatever `answer` is set to."""

    def __init__(self) -> None:
        self.answer: Answer | None = None

    def reply(self, request: FakeRequest) -> FakeReply:
        assert self.answer is not None
        return FakeReply(self.answer.status, self.answer.body, self.answer.content_type)


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Serving, FakePlatform]]:
    serving = Serving()
    with fake_platform(serving.reply) as fake:
        yield serving, fake


def _over_http(served: tuple[Serving, FakePlatform], case: Answer) -> BaseModel:
    # 1xx, 204 and 304 carry no body on the wire, whatever the fake writes after them.
    assume(case.status >= 200 and case.status not in (204, 304))
    serving, fake = served
    serving.answer = case
    with PlatformClient(fake.url, "t", timeout=10) as client:
        return client.get("/v1/fuzz", None, case.model)


@FEW
@given(case=TARGETS["client_response"].strategy())
def test_answers_over_http(served: tuple[Serving, FakePlatform], case: Answer) -> None:
    check_answer(case, lambda c: _over_http(served, c))


@FEW
@given(case=TARGETS["problem_json"].strategy())
def test_problems_over_http(served: tuple[Serving, FakePlatform], case: Answer) -> None:
    check_problem(case, lambda c: _over_http(served, c))
