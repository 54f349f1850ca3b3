"""GET /v1/items: Chinese substrings, full pinyin, initials, ranking, filters and pages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sandbox_helpers import Api, assert_problem

from kiosk.flows.booking.local_catalogue import LocalCatalogue
from offline_cache.cache import ResponseCache
from offline_cache.store import Store
from services.client import PlatformClient
from services.schemas import PROBLEM_INVALID_REQUEST, PROBLEM_NOT_FOUND, ItemList


class _NoPlatform:
    """The terminal's fallback reads: never used once the copy is there."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the terminal asked the platform for {name} after a sync")


class TerminalSearch:
    """The same searches answered by the terminal's own copy of the catalogue (issue 11.2)
    after one sync; other requests still go to the sandbox."""

    def __init__(self, api: Api, store: Store) -> None:
        self.api = api
        self.client = PlatformClient(api.url, api.handle.token, timeout=30)
        self.local = LocalCatalogue(self.client, ResponseCache(store), _NoPlatform())
        self.local.sync()

    def get(self, path: str, params: dict[str, Any] | None = None,
            **headers: str) -> requests.Response:
        return self.api.get(path, params, **headers)

    def search(self, params: dict[str, Any]) -> ItemList:
        p = dict(params)
        if isinstance(p.get("bookable"), str):
            p["bookable"] = p["bookable"] == "true"
        return self.local.search_items(str(p.pop("q", "")), **p)


@pytest.fixture(scope="module")
def terminal(api: Api, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TerminalSearch]:
    store = Store(tmp_path_factory.mktemp("terminal") / "terminal.db")
    t = TerminalSearch(api, store)
    yield t
    t.client.close()
    store.close()


@pytest.fixture(params=["platform", "terminal"])
def via(request: pytest.FixtureRequest, api: Api) -> Api | TerminalSearch:
    """Every search test runs against GET /v1/items and against the terminal's own copy."""
    if request.param == "platform":
        return api
    terminal: TerminalSearch = request.getfixturevalue("terminal")
    return terminal


def search(api: Api | TerminalSearch, **params: object) -> ItemList:
    if isinstance(api, TerminalSearch):
        return api.search(params)
    r = api.get("/v1/items", params)
    assert r.status_code == 200, r.text
    return ItemList.model_validate(r.json())


def names(result: ItemList) -> list[str]:
    return [i.name for i in result.items]


def test_chinese_substring(via: Api | TerminalSearch) -> None:
    result = search(via, q="身份证", limit=100)
    assert result.total >= 10
    assert all("身份证" in n for n in names(result))


@pytest.mark.parametrize("q", ["sbk", "shebaoka", "SBK", "社保卡"])
def test_social_security_card_by_pinyin_and_initials(via: Api | TerminalSearch, q: str) -> None:
    result = search(via, q=q, limit=100)
    found = names(result)
    for name in ("社会保障卡申领", "社会保障卡补换", "社会保障卡挂失", "社保卡即时制卡"):
        assert name in found, (q, name)
    # Everything found is about the card, nothing unrelated sneaks in.
    assert all("社保卡" in n or "社会保障卡" in n for n in found), found


def test_same_query_three_ways_finds_the_same_items(via: Api | TerminalSearch) -> None:
    sets = [{i.id for i in search(via, q=q, limit=100).items}
            for q in ("sbk", "shebaoka", "社保卡")]
    assert sets[0] == sets[1] == sets[2]


def test_exact_name_ranks_first(via: Api | TerminalSearch) -> None:
    assert names(search(via, q="出生登记"))[0] == "出生登记"
    assert names(search(via, q="chushengdengji"))[0] == "出生登记"


def test_prefix_beats_substring(via: Api | TerminalSearch) -> None:
    found = names(search(via, q="户口", limit=100))
    first_inner = next(i for i, n in enumerate(found) if not n.startswith("户口"))
    assert all(not n.startswith("户口") for n in found[first_inner:])
    assert any(n.startswith("户口") for n in found) and "死亡注销户口" in found


def test_whole_syllables_beat_partial_ones(via: Api | TerminalSearch) -> None:
    # "hukou" is two whole syllables of 户口; "huko" stops inside a syllable.
    whole = search(via, q="hukou", limit=5).items[0]
    assert whole.name.startswith("户口")
    # A match inside a syllable is no match: "ukou" is not the start of any syllable.
    assert search(via, q="ukou").total == 0


def test_initials_rank_above_mid_name_matches(via: Api | TerminalSearch) -> None:
    found = names(search(via, q="sfz", limit=100))
    assert found and all("身份证" in n for n in found)
    assert found[0].startswith("身份证") or found[0].startswith("居民身份证")


def test_terms_must_all_match(via: Api | TerminalSearch) -> None:
    found = names(search(via, q="公积金 提取", limit=100))
    assert found and all("公积金" in n and "提取" in n for n in found)


def test_filters(via: Api | TerminalSearch) -> None:
    for level in ("市", "区", "乡镇", "村"):
        result = search(via, level=level, limit=100)
        assert result.total > 0 and all(i.level == level for i in result.items)
    result = search(via, q="sbk", level="村", limit=100)
    assert result.total > 0 and all(i.level == "村" for i in result.items)
    result = search(via, department="公安局", limit=100)
    assert result.total > 30 and {i.department for i in result.items} == {"公安局"}
    assert search(via, bookable="false", limit=100).total > 0
    assert all(i.bookable for i in search(via, q="sbk", bookable="true", limit=100).items)
    birth = search(via, life_event="birth", limit=100)
    assert birth.total >= 4 and all("birth" in i.life_events for i in birth.items)


def test_pagination(via: Api | TerminalSearch) -> None:
    total = search(via, limit=1).total
    assert total >= 1000
    assert len(search(via).items) == 20  # default page
    pages = [search(via, limit=100, offset=o) for o in range(0, 300, 100)]
    ids = [i.id for p in pages for i in p.items]
    assert len(ids) == 300 and len(set(ids)) == 300
    assert search(via, offset=total).items == []


@pytest.mark.parametrize("params", [{"limit": 101}, {"limit": 0}, {"offset": -1},
                                    {"level": "省"}, {"bookable": "maybe"}, {"q": "x" * 51}])
def test_bad_query_params_are_problems(api: Api, params: dict) -> None:
    body = assert_problem(api.get("/v1/items", params), 422, PROBLEM_INVALID_REQUEST)
    assert body["detail"].startswith("query.")


def test_get_item_and_404(via: Api | TerminalSearch) -> None:
    item = search(via, q="社会保障卡申领").items[0]
    r = via.get(f"/v1/items/{item.id}")
    assert r.status_code == 200 and r.json()["name"] == "社会保障卡申领"
    assert r.json()["guide"]["materials"]
    assert_problem(via.get("/v1/items/NO-SUCH"), 404, PROBLEM_NOT_FOUND)


def test_departments_and_life_events(via: Api | TerminalSearch) -> None:
    depts = via.get("/v1/departments").json()["departments"]
    assert len(depts) >= 20
    assert sum(d["item_count"] for d in depts) == search(via, limit=1).total
    events = via.get("/v1/life-events").json()["life_events"]
    assert {"新生儿出生", "退休", "开办企业", "二手房交易"} <= {e["name"] for e in events}


def test_the_common_card_item_comes_first(via: Api | TerminalSearch) -> None:
    for q in ("sbk", "shebaoka", "社保卡"):
        assert names(search(via, q=q))[0] == "社会保障卡申领", q


def test_without_a_query_the_most_requested_items_come_first(via: Api | TerminalSearch) -> None:
    from sandbox.seed_data import MOST_REQUESTED
    found = names(search(via, bookable="true", limit=100))
    in_order = list(dict.fromkeys(found))  # an item name appears once per level
    assert in_order[:len(MOST_REQUESTED)] == MOST_REQUESTED
