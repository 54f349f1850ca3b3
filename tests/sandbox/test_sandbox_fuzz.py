"""Random queries and bodies against the real sandbox: always a valid answer, never a 500."""

from __future__ import annotations

import json
import string

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox_helpers import Api

from services.schemas import ItemList, Problem

SETTINGS = settings(max_examples=80, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
texts = st.text(max_size=60)
params = st.fixed_dictionaries({}, optional={
    "q": texts, "level": st.sampled_from(["市", "区", "乡镇", "村", "省", ""]) | texts,
    "department": texts, "life_event": texts, "bookable": st.sampled_from(["true", "0", "x"]),
    "limit": st.integers(-5, 150).map(str) | texts, "offset": st.integers(-5, 2000).map(str)})
json_values = st.recursive(st.none() | st.booleans() | st.integers() | texts,
                           lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(texts, inner, max_size=4), max_leaves=12)


def _valid_answer(r: requests.Response) -> None:
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        Problem.model_validate(r.json())


@SETTINGS
@given(params=params)
def test_item_search_never_fails(api: Api, params: dict[str, str]) -> None:
    r = api.get("/v1/items", params)
    _valid_answer(r)
    if r.status_code == 200:
        ItemList.model_validate(r.json())


@SETTINGS
@given(body=json_values, key=st.text(alphabet=string.ascii_letters + string.digits + "-_",
                                     min_size=1, max_size=40))
def test_booking_bodies_never_fail(api: Api, body: object, key: str) -> None:
    r = api.http.post(api.url + "/v1/bookings", data=json.dumps(body), timeout=10,
                      headers={**api.auth, "Content-Type": "application/json",
                               "Idempotency-Key": key})
    _valid_answer(r)
    assert r.status_code != 201


@SETTINGS
@given(path=st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30))
def test_item_paths_never_fail(api: Api, path: str) -> None:
    r = api.http.get(api.url + "/v1/items/" + path.replace("?", "").replace("#", ""),
                     headers=api.auth, timeout=10)
    _valid_answer(r)
