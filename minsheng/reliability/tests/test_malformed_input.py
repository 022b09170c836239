"""Malformed input answers 4xx with a `detail`, never a 5xx (issue #17 item 8).

Each case was a 500 (or a 200 whose stream then broke) found by attacking the running server or by
schemathesis: lone UTF-16 surrogates in JSON strings, impossible dates, years at the edge of Python's
calendar, integers beyond 64 bits. Both databases: SQLite raised OverflowError on big integers,
PostgreSQL DataError; Python's UTF-8 encoder refuses a lone surrogate on either.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

LONE = "\ud800"  # json.dumps writes it as the escape \ud800, which json.loads turns back into a lone surrogate
HUGE = 10**20


@pytest.fixture
def anon():
    return Client(raise_request_exception=False)


@pytest.fixture
def staff(demo_territory, bearer):
    client = Client(raise_request_exception=False)
    headers = bearer("demo-town")
    return lambda method, path, **kw: getattr(client, method)(path, **headers, **kw)


def _post_json(call, path, body):
    return call(path, data=json.dumps(body), content_type="application/json")


def _assert_4xx(response, field: str | None = None):
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    if response["Content-Type"].startswith("application/json"):
        body = response.json()
        assert body.get("detail"), body
        if field:
            assert field in json.dumps(body, ensure_ascii=False), body


# --- lone surrogates in JSON bodies -------------------------------------------------------------------


def test_lone_surrogate_in_a_demand_is_refused(demo_territory, anon):
    from minsheng.demands.models import Demand

    before = Demand.objects.count()
    response = _post_json(anon.post, "/api/v1/demands", {"text": f"路灯坏了{LONE}", "phone": "13800001111"})
    _assert_4xx(response, "text")
    assert Demand.objects.count() == before


def test_lone_surrogate_in_a_sign_in_is_refused(demo_territory, anon):
    response = _post_json(anon.post, "/api/v1/auth/token", {"username": f"demo{LONE}", "password": "x"})
    _assert_4xx(response, "username")


def test_lone_surrogate_in_a_dict_key_is_refused(demo_territory, anon):
    response = _post_json(anon.post, "/api/v1/demands", {"text": "路灯坏了", f"k{LONE}": 1})
    _assert_4xx(response)


@pytest.mark.parametrize("path", ["/api/v1/facilities/1/report", "/api/v1/projects/1/actions/object"])
def test_lone_surrogate_is_refused_before_the_endpoint_looks_anything_up(demo_territory, anon, path):
    # 422 naming the field, not 404: the body is refused before any lookup or write.
    response = _post_json(anon.post, path, {"note": f"坏了{LONE}", "text": "x"})
    assert response.status_code == 422, response.content
    assert response.json()["field"] == "note"


def test_a_paired_surrogate_escape_is_an_ordinary_character(demo_territory, anon):
    # "\ud83d\ude00" is 😀 written as JSON escapes: valid, must be accepted.
    response = anon.post("/api/v1/demands", data='{"text": "楼道灯坏了三天了 \\ud83d\\ude00", "phone": "13800001111"}',
                         content_type="application/json")
    assert response.status_code == 201, response.content


# --- dates and periods --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["2026-13-45", "0000-00-00T00:00:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59",
                                   "2026-02-30", "not a date"])
@pytest.mark.parametrize("param", ["start_date", "end_date"])
def test_open311_impossible_dates_are_refused(demo_territory, anon, param, value):
    response = anon.get("/open311/v2/requests.json", {param: value})
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert param in response.content.decode()


@pytest.mark.parametrize("period", ["9999", "9999-12", "9999-Q4", "0001", "0001-01-01..0001-01-31",
                                    "9999-12-01..9999-12-31", "2026-00", "2026-13"])
def test_kpi_periods_at_the_edge_of_the_calendar_are_refused(demo_territory, anon, period):
    response = anon.get("/api/v1/kpis", {"scope": "湖塘镇", "period": period})
    _assert_4xx(response, "period")


@pytest.mark.parametrize("on", ["0001-01-01", "9999-12-31", "2026-13-01"])
def test_roster_targeted_dates_at_the_edge_of_the_calendar_are_refused(staff, on):
    response = staff("get", "/api/v1/roster/targeted", data={"on": on})
    _assert_4xx(response, "on")


@pytest.mark.parametrize("period", ["9999", "9999-12", "0001-01-01..0001-01-02"])
def test_open_data_for_an_impossible_period_is_not_found_before_streaming(demo_territory, anon, period):
    from minsheng.publishing import opendata

    for dataset in opendata.DATASETS:
        response = anon.get(f"/open-data/{dataset}/{period}.csv")
        assert response.status_code == 404, (dataset, period, response.status_code)


def test_open_data_for_a_real_period_streams_to_the_end(demo_territory, anon):
    from minsheng.publishing import opendata

    for dataset in opendata.DATASETS:
        response = anon.get(f"/open-data/{dataset}/2026.csv")
        assert response.status_code == 200
        b"".join(response.streaming_content)  # raises if the stream breaks half-way


# --- integers beyond 64 bits --------------------------------------------------------------------------


def test_a_huge_integer_in_a_json_list_is_refused(staff):
    body = {"facilities": [HUGE], "kind": "inspection", "every_days": 30, "title": "巡检"}
    response = staff("post", "/api/v1/facilities/plans", data=json.dumps(body), content_type="application/json")
    _assert_4xx(response, "facilities")


def test_a_huge_integer_in_a_json_field_is_refused(demo_territory, anon):
    response = _post_json(anon.post, "/api/v1/demands", {"text": "路灯坏了", "community": HUGE})
    _assert_4xx(response)


@pytest.mark.parametrize("path", [f"/api/v1/facilities/{HUGE}", f"/api/v1/projects/{HUGE}",
                                  f"/api/v1/activities/{HUGE}", f"/api/v1/projects/{HUGE}/photos/1",
                                  f"/api/v1/roster/members/{HUGE}"])
def test_a_huge_id_in_a_path_is_not_found_or_refused(staff, path):
    _assert_4xx(staff("get", path))


@pytest.mark.parametrize("query", [{"community": HUGE}, {"page": HUGE}, {"page_size": HUGE}, {"grid": -HUGE}])
def test_a_huge_integer_in_a_query_is_refused(staff, query):
    _assert_4xx(staff("get", "/api/v1/demands", data=query))
    _assert_4xx(staff("get", "/api/v1/projects", data=query))
