"""The published rankings (page and API) and the public survey indices cost the same number of queries
with a few rows as with several times more (issue #10: no N+1). The callback desk, the survey desk and
/rankings/ over several months are checked in test_callbacks.py, test_surveys.py and test_rankings.py."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.test import Client

from minsheng.core.tests.query_counts import assert_flat
from minsheng.kpis import services as kpi_services
from minsheng.territory import services as territory
from minsheng.territory.models import Community

from .conftest import user

SH = ZoneInfo("Asia/Shanghai")
NOV_1_0900 = datetime(2026, 11, 1, 9, 0, tzinfo=SH)
FEW, MORE = 2, 4  # 2 rows, then 6


def _towns(n, start=0):
    """n more towns of three communities each, and their October ranking published."""
    for i in range(start, start + n):
        t = territory.upsert_town(name=f"测试{i}镇", code=f"T{i}", population=30000)
        for j in range(3):
            territory.upsert_community(town=t, name=f"测试{i}镇{j}社区", code=f"T{i}C{j}", population=5000)
    kpi_services.publish_ranking("2026-10", now=NOV_1_0900)


def test_rankings_api(demo_territory, django_assert_max_num_queries):
    _towns(FEW - 1)  # with 湖塘镇: 2 towns
    client = Client()
    assert_flat(lambda: client.get("/api/v1/rankings", {"month": "2026-10"}), lambda: _towns(MORE, FEW), 3,
                django_assert_max_num_queries,
                check=lambda r: len([e for e in r.json()["rankings"] if e["level"] == "community"]) == FEW + MORE)


def test_rankings_page(demo_territory, django_assert_max_num_queries):
    _towns(FEW - 1)
    client = Client()
    assert_flat(lambda: client.get("/rankings/", {"month": "2026-10"}), lambda: _towns(MORE, FEW), 4,
                django_assert_max_num_queries, check=lambda r: f"测试{FEW + MORE - 1}镇0社区" in r.content.decode())


def test_survey_indices_api(demo_territory, django_assert_max_num_queries):
    cailing = Community.objects.get(name="采菱社区")
    quarters = [f"{y}-Q{q}" for y in (2025, 2026) for q in (1, 2, 3, 4)]

    def add(n, start):
        for period in quarters[start:start + n]:
            s = kpi_services.create_survey(user("demo-cailing"), community=cailing, period=period)
            kpi_services.answer_survey(s, ratings={"gain": "4", "happiness": "5", "security": "3"}, comment="路灯要修")
            kpi_services.answer_survey(s, ratings={"gain": "2", "belonging": "4", "identity": "5"})

    add(FEW, 0)
    client = Client()
    assert_flat(lambda: client.get("/api/v1/surveys/indices", {"community": "采菱社区"}), lambda: add(MORE, FEW), 5,
                django_assert_max_num_queries, check=lambda r: len(r.json()["surveys"]) == FEW + MORE)


def test_counts_of_many_nodes_equal_the_counts_of_each(demo_territory):
    """`counts_of_nodes` (one query for a list of nodes, used by the open data extract) reads the same
    counter rows as `counts_from_counters` node by node: whole months, day ranges, both."""
    from django.utils import timezone

    from minsheng.kpis import periods
    from minsheng.kpis.selectors import counts_from_counters, counts_of_nodes
    from minsheng.territory.models import Town
    from minsheng.territory.selectors import Node

    from .test_counters import random_history

    random_history(7)
    today = timezone.localdate()
    labels = [f"{today:%Y-%m}", f"{today.year}-Q{(today.month - 1) // 3 + 1}", str(today.year),
              f"{today.replace(day=1) - timedelta(days=3)}..{today}", f"{today}..{today}"]
    nodes = [("town", t) for t in Town.objects.all()] + [("community", c) for c in Community.objects.all()]
    for label in labels:
        p = periods.parse(label)
        for level in ("town", "community"):
            objs = [o for lv, o in nodes if lv == level]
            many = counts_of_nodes(level, [o.pk for o in objs], p)
            assert many == {o.pk: counts_from_counters(Node(level, o), p) for o in objs}, label
    assert any(c.received for c in counts_of_nodes("community", [c.pk for c in Community.objects.all()],
                                                   periods.parse(str(today.year))).values())
