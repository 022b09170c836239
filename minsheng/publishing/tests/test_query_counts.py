"""Open311 (services, requests) and the open data page and CSV extracts cost the same number of queries with
a few rows as with several times more (issue #10: no N+1)."""

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.core.tests.query_counts import assert_flat
from minsheng.demands.models import Demand
from minsheng.territory import services as territory
from minsheng.territory.models import Place

from .test_open311 import BASE, make

FEW, MORE = 2, 4  # 2 rows, then 6
COMMUNITIES = ["采菱社区", "三勤社区", "华家社区", "夏雷社区"]


def _demands(n, start=0):
    """n demands of the last days, in turn in each community; every other one at a named place."""
    places = {p.community.name: p for p in Place.objects.select_related("community").order_by("id")}
    for i in range(start, start + n):
        community = COMMUNITIES[i % len(COMMUNITIES)]
        d = make(text=f"{i}号楼道灯坏了", community=community, status=("received", "closed")[i % 2], days_ago=i % 3)
        if i % 2 and community in places:
            Demand.objects.filter(pk=d.pk).update(place=places[community])


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_requests(fmt, demo_territory, django_assert_max_num_queries):
    _demands(FEW)
    client = Client()
    assert_flat(lambda: client.get(f"{BASE}/requests.{fmt}"), lambda: _demands(MORE, FEW), 4,
                django_assert_max_num_queries,
                check=lambda r: r.content.decode().count("<request>" if fmt == "xml" else '"service_request_id"')
                == FEW + MORE)


def test_requests_by_id(demo_territory, django_assert_max_num_queries):
    _demands(FEW)
    client = Client()

    def get():
        ids = ",".join(Demand.objects.order_by("id").values_list("code", flat=True))
        return client.get(f"{BASE}/requests.json", {"service_request_id": ids})

    assert_flat(get, lambda: _demands(MORE, FEW), 4, django_assert_max_num_queries,
                check=lambda r: len(r.json()) == FEW + MORE)


def test_services(demo_territory, django_assert_max_num_queries):
    """The services are the categories (no rows in the database): no query at all."""
    client = Client()
    for fmt in ("json", "xml"):
        with django_assert_max_num_queries(0):
            assert client.get(f"{BASE}/services.{fmt}").status_code == 200


def test_open_data_page(demo_territory, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        assert Client().get("/open-data/").status_code == 200


def _month():
    return timezone.localdate().strftime("%Y-%m")


def _lines(r) -> int:
    return r.body.decode("utf-8-sig").count("\n") - 1


def test_demands_csv(demo_territory, django_assert_max_num_queries):
    _demands(FEW)
    Demand.objects.update(received_at=timezone.now())
    client = Client()

    def grow():
        _demands(MORE, FEW)
        Demand.objects.update(received_at=timezone.now())

    assert_flat(lambda: client.get(f"/open-data/demands/{_month()}.csv"), grow, 4, django_assert_max_num_queries,
                check=lambda r: _lines(r) == FEW + MORE)


def test_demands_csv_over_more_towns(demo_territory, django_assert_max_num_queries):
    """Each town's month in its own time zone: more towns, not more queries."""
    from minsheng.demands import services

    def add(n, start):
        for i in range(start, start + n):
            t = territory.upsert_town(name=f"测试{i}镇", code=f"T{i}", population=30000)
            c = territory.upsert_community(town=t, name=f"测试{i}镇社区", code=f"T{i}C", population=5000)
            services.register(text=f"测试{i}镇路灯不亮", channel="online", community=c, run_triage=False,
                              category="housing")

    add(FEW, 0)
    client = Client()
    assert_flat(lambda: client.get(f"/open-data/demands/{_month()}.csv"), lambda: add(MORE, FEW), 4,
                django_assert_max_num_queries, check=lambda r: _lines(r) == FEW + MORE)


def test_projects_csv(demo_territory, django_assert_max_num_queries):
    from django.contrib.auth import get_user_model

    from minsheng.projects import services

    staff = {u.username: u for u in get_user_model().objects.filter(username__in=["demo-cailing", "demo-sanqin"])}

    def add(n, start):
        for i in range(start, start + n):
            who, community = (("demo-cailing", "采菱社区"), ("demo-sanqin", "三勤社区"))[i % 2]
            services.create(staff[who], title=f"项目{i}号", community=community, kind="goods", budget=10000,
                            items=[{"name": f"器材{i}", "quantity": 2, "unit": "件", "unit_price": 100},
                                   {"name": f"地面{i}", "quantity": 10, "unit": "㎡", "unit_price": 50}])

    add(FEW, 0)
    client = Client()
    assert_flat(lambda: client.get(f"/open-data/projects/{_month()}.csv"), lambda: add(MORE, FEW), 4,
                django_assert_max_num_queries, check=lambda r: _lines(r) == FEW + MORE)


def test_kpis_csv(demo_territory, django_assert_max_num_queries):
    """One row per town and per community: more towns and communities, not more queries."""

    def add(n, start):
        for i in range(start, start + n):
            t = territory.upsert_town(name=f"测试{i}镇", code=f"T{i}", population=30000)
            for j in range(2):
                territory.upsert_community(town=t, name=f"测试{i}镇{j}社区", code=f"T{i}C{j}", population=5000)

    add(FEW, 0)
    client = Client()
    assert_flat(lambda: client.get(f"/open-data/kpis/{_month()}.csv"), lambda: add(MORE, FEW), 6,
                django_assert_max_num_queries, check=lambda r: f"测试{FEW + MORE - 1}镇1社区" in r.body.decode())
