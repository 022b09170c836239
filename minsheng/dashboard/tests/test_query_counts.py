"""The dashboard's data (overdue demands, active projects, facilities and demands on the map) and the
bulletin (projects and activities of the period) cost the same number of queries with 2 rows as with 6
(issue #10: no N+1)."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from minsheng.core.tests.query_counts import assert_flat
from minsheng.demands.models import Demand
from minsheng.territory.models import Community, Place

FEW, MORE = 2, 4  # 2 rows, then 6


@pytest.fixture
def grow(demo_territory):
    """grow(n, start): in 采菱社区, n more overdue demands located on the map, projects at a place, facilities
    at a place with coordinates and service activities of this year."""
    from minsheng.demands import services as demands
    from minsheng.facilities import services as facilities
    from minsheng.projects import services as projects
    from minsheng.services_activities import services as activities

    staff = get_user_model().objects.get(username="demo-cailing")
    cailing = Community.objects.select_related("town").get(name="采菱社区")
    place = Place.objects.filter(community=cailing, lat__isnull=False).order_by("id").first()
    today = timezone.localdate()

    def make(n, start=0):
        for i in range(start, start + n):
            d, _ = demands.register(text=f"{i}号楼道灯不亮", channel="online", community=cailing, lat=31.7,
                                    lon=119.9, run_triage=False, category="housing")
            demands.accept(d, staff)
            demands.assign(d, staff, handler="demo-handler")
            Demand.objects.filter(pk=d.pk).update(due_at=timezone.now() - timedelta(days=1 + i))
            projects.create(staff, title=f"项目{i}号", community=cailing, kind="goods", budget=1000 + i,
                            items=[{"name": f"器材{i}", "quantity": 1, "unit": "件"}], place=place.name)
            facilities.register_facility(actor=staff, community=cailing, name=f"座椅{i}号", kind="benches",
                                         place=place)
            activities.create_activity(actor=staff, community=cailing, kind="lecture", title=f"讲座{i}号",
                                       date_=today.replace(day=1))

    make(FEW)
    return make


def test_dashboard_data(grow, user_client, django_assert_max_num_queries):
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/dashboard/data.json"), lambda: grow(MORE, FEW), 23, django_assert_max_num_queries,
                check=lambda r: len(r.json()["overdue"]) == len(r.json()["projects"]["active"]) == FEW + MORE)


def test_bulletin(grow, user_client, django_assert_max_num_queries):
    client = user_client("demo-cailing")
    period = f"{timezone.localdate():%Y-%m}"
    assert_flat(lambda: client.get("/dashboard/report", {"format": "md", "period": period}), lambda: grow(MORE, FEW),
                16, django_assert_max_num_queries, check=lambda r: f"项目{FEW + MORE - 1}号" in r.content.decode())
