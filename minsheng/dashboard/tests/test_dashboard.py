"""The dashboard page, its JSON and the bulletin download, limited to the user's territory."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext


@pytest.fixture
def full_demo(db):
    from minsheng.demo.loaders import load_all

    load_all()


def test_access(client, user_client, demo_territory):
    assert client.get("/dashboard/").status_code == 302
    assert user_client("demo-resident").get("/dashboard/").status_code == 403
    r = user_client("demo-town").get("/dashboard/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "vendor/echarts.min.js" in html and "vendor/leaflet/leaflet.js" in html and "<script>" not in html
    assert user_client("demo-sanqin").get("/dashboard/?scope=采菱社区").status_code == 403
    assert user_client("demo-sanqin").get("/dashboard/data.json?scope=采菱社区").status_code == 403
    assert user_client("demo-cailing").get("/dashboard/data.json?scope=湖塘镇").status_code == 403


def test_data_for_town_and_drilldown(full_demo, user_client):
    c = user_client("demo-town")
    d = c.get("/dashboard/data.json").json()
    assert d["scope"] == "湖塘镇" and d["level"] == "town"
    assert {x["name"] for x in d["children"]} >= {"采菱社区", "三勤社区"}
    assert set(d["kpis"]) == {"this_month", "last_month"}
    assert len(d["trend"]) == 12 and sum(r["received"] for r in d["trend"]) > 0
    assert d["categories"] and d["channels"]
    assert d["projects"]["pipeline"] and d["projects"]["budget"] > 0
    assert any(p["title"] == "三勤新苑健身路径改造" for p in d["projects"]["active"])
    assert d["facilities"]["conditions"]
    assert d["map"]["grids"]["features"] and d["map"]["grids"]["features"][0]["geometry"]["type"] in (
        "Polygon", "MultiPolygon")
    body = c.get("/dashboard/data.json").content.decode()
    assert "reporter" not in body and "138" not in "".join(x["code"] for x in d["overdue"])
    g = c.get("/dashboard/data.json?scope=采菱社区").json()
    assert g["level"] == "community" and g["parent"] == "湖塘镇"
    grid = g["children"][0]["name"]
    assert c.get(f"/dashboard/data.json?scope={grid}").json()["level"] == "grid"
    cl = user_client("demo-cailing").get("/dashboard/data.json").json()
    assert cl["scope"] == "采菱社区" and cl["parent"] is None


def test_query_count_is_bounded(full_demo, user_client):
    """Reads come from counters and bounded aggregates: a fixed number of queries."""
    from minsheng.demands.models import Demand

    c = user_client("demo-town")
    c.get("/dashboard/data.json")
    with CaptureQueriesContext(connection) as before:
        c.get("/dashboard/data.json")
    Demand.objects.update()  # no-op; the count must not depend on rows
    assert len(before) < 60


def test_bulletin_download(full_demo, user_client):
    c = user_client("demo-cailing")
    r = c.get("/dashboard/report", {"period": "2026", "format": "md"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    assert "采菱社区民生微实事简报" in r.content.decode()
    r = c.get("/dashboard/report", {"period": "2026", "format": "pdf"})
    assert r.content.startswith(b"%PDF")
    assert c.get("/dashboard/report", {"scope": "三勤社区", "format": "md"}).status_code == 403
