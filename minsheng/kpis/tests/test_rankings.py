"""The monthly ranking: order, ties and nulls on hand-computed ledgers; published snapshots that never
change; the public page, the API, the command and the monthly job."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minsheng.collection.services.ledger import import_file
from minsheng.collection.tests.ledgers import row, write
from minsheng.core.services import run_due
from minsheng.kpis import rankings
from minsheng.kpis import services as kpi_services
from minsheng.kpis.models import Ranking
from minsheng.kpis.tasks import publish_last_month
from minsheng.notifications.models import Notification
from minsheng.territory.models import Community, Town

SH = ZoneInfo("Asia/Shanghai")
NOV_1_0900 = datetime(2026, 11, 1, 9, 0, tzinfo=SH)


def ledger_row(code, community, *, in_time=True, res=None, sat=None, day=5):
    """An October 2026 demand assigned at 09:00, contacted after 1 h (in time) or 2 days (late, the
    ordinary contact deadline is 24 h), completed the next day, with the callback answers given."""
    return row(code, f"2026-10-{day:02d} 08:00", community=community, 派单时间=f"2026-10-{day:02d} 09:00",
               首次联系时间=f"2026-10-{day:02d} 10:00" if in_time else f"2026-10-{day + 2:02d} 09:00",
               办结时间=f"2026-10-{day + 3:02d} 09:00", 回访时间=f"2026-10-{day + 4:02d} 09:00" if res or sat else None,
               解决情况=res, 满意度=sat, 分类="housing")


def load(tmp_path, rows, name="l.xlsx", town=None):
    report = import_file(write(tmp_path / name, rows), town=town)
    assert not report.errors, report.errors


@pytest.fixture
def october(demo_territory, tmp_path):
    """湖塘镇 (communities 采菱, 华家, 三勤, 夏雷, plus 东方 added here) and a second town 雪堰镇.

    采菱  2 demands, both in time; 已解决+满意, 部分解决+基本满意 → 1, 0.75, 0.9 → 0.30 + 0.2625 + 0.315 = 0.8775
    华家  1 demand, late; 已解决+满意                              → 0, 1, 1      → 0.70
    三勤  1 demand, in time; 未解决+不满意                          → 1, 0, 0      → 0.30
    东方  the same as 三勤                                          → 0.30 (tie, same response rate: by name)
    夏雷  1 demand, in time, no callback answer                     → composite null → last
    雪堰镇/雪堰社区: 1 demand, in time, 已解决+满意                   → 1.0
    湖塘镇 as a whole: response 5/6, resolution 2.5/5, satisfaction 2.8/5 → 0.25 + 0.175 + 0.196 = 0.621
    """
    Community.objects.create(town=demo_territory, name="东方社区", code="DF", population=5000)
    xueyan = Town.objects.create(name="雪堰镇", code="XY", population=50000)
    Community.objects.create(town=xueyan, name="雪堰社区", code="XY", population=8000)
    load(tmp_path, [
        ledger_row("R1", "采菱社区", res="已解决", sat="满意"),
        ledger_row("R2", "采菱社区", res="部分解决", sat="基本满意", day=6),
        ledger_row("R3", "华家社区", in_time=False, res="已解决", sat="满意"),
        ledger_row("R4", "三勤社区", res="未解决", sat="不满意"),
        ledger_row("R5", "东方社区", res="未解决", sat="不满意"),
        ledger_row("R6", "夏雷社区"),
    ], town=demo_territory)
    load(tmp_path, [ledger_row("X1", "雪堰社区", res="已解决", sat="满意")], name="x.xlsx", town=xueyan)
    return demo_territory


def names(entry):
    return [(r["rank"], r["name"]) for r in entry["rows"]]


def test_order_ties_and_nulls(october):
    data = rankings.compute("2026-10")
    assert data["month"] == "2026-10"
    by = {(e["level"], e["town"]): e for e in data["rankings"]}
    assert names(by[("community", "湖塘镇")]) == [
        (1, "采菱社区"), (2, "华家社区"), (3, "三勤社区"), (4, "东方社区"), (5, "夏雷社区")]
    rows = {r["name"]: r for r in by[("community", "湖塘镇")]["rows"]}
    assert rows["采菱社区"]["composite"] == pytest.approx(0.8775)
    assert rows["华家社区"]["composite"] == pytest.approx(0.70)
    assert rows["华家社区"]["response_rate"] == 0.0
    assert rows["三勤社区"]["composite"] == pytest.approx(0.30) == rows["东方社区"]["composite"]
    assert rows["夏雷社区"]["composite"] is None and rows["夏雷社区"]["response_rate"] == 1.0
    assert names(by[("community", "雪堰镇")]) == [(1, "雪堰社区")]
    towns = by[("town", None)]
    assert names(towns) == [(1, "雪堰镇"), (2, "湖塘镇")]
    assert towns["rows"][1]["composite"] == pytest.approx(0.621)
    assert towns["rows"][1]["received"] == 6 and towns["rows"][1]["assigned"] == 6


def test_one_town_only(october):
    data = rankings.compute("2026-10", town=Town.objects.get(name="雪堰镇"))
    assert [(e["level"], e["town"]) for e in data["rankings"]] == [("community", "雪堰镇")]


def test_a_month_without_data_ranks_everyone_by_name(october):
    entry = rankings.compute("2026-09", town=october)["rankings"][0]
    assert [r["name"] for r in entry["rows"]] == sorted(["采菱社区", "华家社区", "三勤社区", "东方社区", "夏雷社区"])
    assert all(r["composite"] is None and r["received"] == 0 for r in entry["rows"])


def test_ties_by_response_rate_then_name():
    rows = [
        {"name": "乙", "composite": 0.5, "response_rate": 0.5},
        {"name": "甲", "composite": 0.5, "response_rate": 0.5},
        {"name": "丙", "composite": 0.1 + 0.2 + 0.2, "response_rate": 1.0},  # 0.5000000000000001
        {"name": "丁", "composite": None, "response_rate": 1.0},
        {"name": "戊", "composite": None, "response_rate": None},
        {"name": "己", "composite": 0.5, "response_rate": None},
        {"name": "庚", "composite": 0.9, "response_rate": 0.0},
    ]
    assert [(r["rank"], r["name"]) for r in rankings.rank(rows)] == [
        (1, "庚"), (2, "丙"), (3, "乙"), (4, "甲"), (5, "己"), (6, "丁"), (7, "戊")]


def test_response_rate_breaks_a_composite_tie_end_to_end(demo_territory, tmp_path, settings):
    settings.MINSHENG_KPI_WEIGHTS = {"composite": {"response": 0.5, "resolution": 0.25, "satisfaction": 0.25},
                                     "partly_resolved": 0.5, "basically_satisfied": 0.8}
    load(tmp_path, [
        ledger_row("T1", "夏雷社区", in_time=True, res="未解决", sat="不满意"),   # 0.5 + 0 + 0
        ledger_row("T2", "采菱社区", in_time=False, res="已解决", sat="满意"),    # 0 + 0.25 + 0.25
    ], town=demo_territory)
    entry = rankings.compute("2026-10", town=demo_territory)["rankings"][0]
    assert [r["name"] for r in entry["rows"]][:2] == ["夏雷社区", "采菱社区"]
    assert entry["rows"][0]["composite"] == entry["rows"][1]["composite"] == pytest.approx(0.5)


# ---------------------------------------------------------------------------------------------
# Published snapshots


def test_published_figures_never_change(october, tmp_path):
    found, created = kpi_services.publish_ranking("2026-10", now=NOV_1_0900)
    assert len(found) == len(created) == 3
    before = {(r.level, r.town_id): r.rows for r in Ranking.objects.all()}
    # Later data for October: a late ledger import and a callback answer.
    load(tmp_path, [ledger_row("R7", "华家社区", res="已解决", sat="满意", day=20),
                    ledger_row("R8", "华家社区", res="已解决", sat="满意", day=21)], name="late.xlsx", town=october)
    live = rankings.compute("2026-10", town=october)["rankings"][0]
    assert [r["name"] for r in live["rows"]][:2] == ["华家社区", "采菱社区"]  # 2/3 in time: 0.2 + 0.35 + 0.35
    again, created = kpi_services.publish_ranking("2026-10")
    assert created == [] and [r.pk for r in again] == [r.pk for r in found]
    assert {(r.level, r.town_id): r.rows for r in Ranking.objects.all()} == before
    published = Client().get("/api/v1/rankings", {"month": "2026-10", "town": "湖塘镇"}).json()
    assert [r["name"] for r in published["rankings"][0]["rows"]][:2] == ["采菱社区", "华家社区"]


def test_a_month_not_over_cannot_be_published(october):
    with pytest.raises(Exception) as exc:
        kpi_services.publish_ranking("2026-11", now=NOV_1_0900)
    assert "尚未结束" in str(exc.value)
    assert not Ranking.objects.exists()


def test_monthly_job_publishes_last_month_once_and_tells_staff(october):
    assert publish_last_month(now=NOV_1_0900) == 3
    assert set(Ranking.objects.values_list("month", flat=True)) == {datetime(2026, 10, 1).date()}
    told = Notification.objects.filter(subject="2026年10月社区三率排名已发布")
    # Staff of 湖塘镇 and its communities (in-app); not the handler, the grid worker or the resident.
    assert sorted(told.values_list("recipient__username", flat=True)) == ["demo-cailing", "demo-sanqin", "demo-town"]
    assert {n.channel for n in told} == {"in_app"}
    assert told.first().link == "/rankings/?month=2026-10&town=%E6%B9%96%E5%A1%98%E9%95%87"
    assert publish_last_month(now=datetime(2026, 11, 2, 9, 0, tzinfo=SH)) == 0
    assert told.count() == 3


def test_monthly_job_skips_months_without_any_demand(october):
    assert publish_last_month(now=datetime(2026, 10, 1, 9, 0, tzinfo=SH)) == 0  # September: nothing received
    assert not Ranking.objects.exists()


def test_the_job_is_scheduled_every_morning_at_nine(db):
    assert "kpis.monthly_ranking" not in run_due(datetime(2026, 11, 1, 8, 59, tzinfo=SH))
    assert "kpis.monthly_ranking" in run_due(NOV_1_0900)
    assert "kpis.monthly_ranking" not in run_due(datetime(2026, 11, 1, 15, 0, tzinfo=SH))


# ---------------------------------------------------------------------------------------------
# Page, API, command


def test_api_serves_published_rankings_only(october):
    client = Client()
    assert client.get("/api/v1/rankings").status_code == 404
    assert client.get("/api/v1/rankings", {"month": "2026-10"}).status_code == 404
    kpi_services.publish_ranking("2026-10", now=NOV_1_0900)
    data = client.get("/api/v1/rankings", {"month": "2026-10"}).json()
    assert data["month"] == "2026-10"
    assert [(e["level"], e["town"]) for e in data["rankings"]] == [
        ("community", "湖塘镇"), ("community", "雪堰镇"), ("town", None)]
    assert data == client.get("/api/v1/rankings").json()  # default: the latest published month
    first = data["rankings"][0]["rows"][0]
    assert set(first) == {"rank", "name", "received", "assigned", "response_rate", "resolution_rate",
                          "satisfaction_rate", "composite", "on_time_rate", "avg_days_to_close"}
    only = client.get("/api/v1/rankings", {"month": "2026-10", "town": "雪堰镇"}).json()
    assert [(e["level"], e["town"]) for e in only["rankings"]] == [("community", "雪堰镇"), ("town", None)]
    assert client.get("/api/v1/rankings", {"month": "2026-13"}).status_code == 422
    assert client.get("/api/v1/rankings", {"month": "2026"}).status_code == 422
    assert client.get("/api/v1/rankings", {"month": "2026-10", "town": "火星镇"}).status_code == 404


def test_public_page(october):
    client = Client()
    r = client.get("/rankings/")
    assert r.status_code == 200 and "尚未发布任何排名" in r.content.decode()
    kpi_services.publish_ranking("2026-10", now=NOV_1_0900)
    html = client.get("/rankings/", {"month": "2026-10"}).content.decode()
    order = [html.index(f'data-name="{n}"') for n in ("采菱社区", "华家社区", "三勤社区", "东方社区", "夏雷社区")]
    assert order == sorted(order)
    assert "70.0" in html and "湖塘镇各社区" in html and "各镇（街道）" in html
    assert "张三" not in html and "138" not in html
    assert client.get("/rankings/", {"month": "2026-09"}).status_code == 200
    assert client.get("/rankings/", {"month": "bad"}).status_code == 422


def test_public_page_queries_do_not_grow(october):
    kpi_services.publish_ranking("2026-10", now=NOV_1_0900)
    client = Client()
    with CaptureQueriesContext(connection) as one:
        client.get("/rankings/", {"month": "2026-10"})
    kpi_services.publish_ranking("2026-09", now=NOV_1_0900)
    with CaptureQueriesContext(connection) as two:
        client.get("/rankings/", {"month": "2026-10"})
    assert len(one) == len(two) <= 4


def test_command_prints_live_or_publishes(october, capsys):
    call_command("ranking", "--month", "2026-10", "--town", "湖塘镇")
    live = json.loads(capsys.readouterr().out)
    assert live["rankings"][0]["published_at"] is None
    assert [r["name"] for r in live["rankings"][0]["rows"]][0] == "采菱社区"
    assert not Ranking.objects.exists()
    call_command("ranking", "--month", "2026-10", "--publish")
    published = json.loads(capsys.readouterr().out)
    assert len(published["rankings"]) == 3 and all(e["published_at"] for e in published["rankings"])
    assert published["rankings"][0]["rows"] == live["rankings"][0]["rows"]
    with pytest.raises(SystemExit):
        call_command("ranking", "--month", "2026-10", "--town", "火星镇")
