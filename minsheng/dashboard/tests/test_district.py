"""The district: an install of several towns has one more level above them. Its administrator (on no
node) sees every town, opens the district's dashboard, whose figures are the sums of the towns'."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.accounts.models import Membership, Role
from minsheng.accounts.services import ensure_user, grant_role
from minsheng.core.errors import InvalidInput
from minsheng.demands.bench_data import generate
from minsheng.demands.models import OPEN_STATES
from minsheng.territory import services


@pytest.fixture
def two_towns(demo_territory):
    other = services.upsert_town(name="牛塘镇", code="NT")
    community = services.upsert_community(town=other, name="牛塘社区", code="NTSQ")
    grid = services.upsert_grid(community=community, name="牛塘社区第一网格")
    generate(200, seed=5, days=300)
    generate(100, seed=6, days=300, open_=20, grids=[grid])
    return demo_territory, other


def test_the_district_dashboard_sums_its_towns(two_towns, user_client):
    town, other = two_towns
    c = user_client("demo-district")
    d = c.get("/dashboard/data.json").json()
    assert d["scope"] == "全区" and d["level"] == "district" and d["parent"] is None
    assert [x["name"] for x in d["children"]] == ["湖塘镇", "牛塘镇"]
    towns = [c.get("/dashboard/data.json", {"scope": name}).json() for name in ("湖塘镇", "牛塘镇")]
    assert all(t["parent"] == "全区" for t in towns)
    for month, row in enumerate(d["trend"]):
        assert row["received"] == sum(t["trend"][month]["received"] for t in towns)
    assert sum(r["received"] for r in d["trend"]) > sum(r["received"] for r in towns[0]["trend"]) > 0
    year = str(timezone.localdate().year)
    k = c.get("/api/v1/kpis", {"scope": "全区", "period": year}).json()
    parts = [c.get("/api/v1/kpis", {"scope": name, "period": year}).json() for name in ("湖塘镇", "牛塘镇")]
    assert k["level"] == "district" and k["received"] == sum(p["received"] for p in parts) > 0
    overdue = [t["overdue"][0]["days"] for t in towns if t["overdue"]]
    assert overdue and d["overdue"][0]["days"] == max(overdue)  # the longest overdue of any town first
    md = c.get("/dashboard/report", {"scope": "全区", "period": year, "format": "md"}).content.decode()
    assert "全区下辖2个镇（街道）" in md
    page = c.get("/dashboard/").content.decode()
    assert "各镇范围" in page and "地图（网格" not in page  # the district's map draws towns, not grids
    assert "地图（网格" in c.get("/dashboard/", {"scope": "牛塘镇"}).content.decode()


def test_the_district_administrator_sees_every_town_and_a_town_only_its_own(two_towns, user_client):
    from minsheng.demands.models import Demand

    total = user_client("demo-district").get("/api/v1/demands").json()["count"]
    own = user_client("demo-town").get("/api/v1/demands").json()["count"]
    assert total == Demand.objects.filter(status__in=OPEN_STATES).count() > own > 0
    ended = user_client("demo-district").get("/api/v1/demands", {"queue": "ended", "page_size": 100}).json()
    assert {d["code"][:2] for d in ended["items"]} >= {"NT", "CL"}
    town = user_client("demo-town")
    assert town.get("/dashboard/data.json", {"scope": "全区"}).status_code == 403
    assert town.get("/dashboard/data.json", {"scope": "牛塘镇"}).status_code == 403
    assert town.get("/dashboard/data.json").json()["parent"] is None
    # a superuser's dashboard opens on the district once there are several towns
    admin, _ = ensure_user(username="root-test", password="x-very-long-pass", validate=False)
    admin.is_superuser = admin.is_staff = True
    admin.save()
    from django.test import Client

    root = Client()
    root.force_login(admin)
    assert root.get("/dashboard/data.json").json()["level"] == "district"


def test_the_district_role_is_on_no_node_and_only_a_superuser_grants_it(demo_territory, user_client):
    user, _ = ensure_user(username="someone", password="x-very-long-pass", validate=False)
    with pytest.raises(InvalidInput) as exc:
        grant_role(user=user, role=Role.DISTRICT_ADMIN, node=demo_territory)
    assert exc.value.field == "role"
    with pytest.raises(InvalidInput):
        grant_role(user=user, role=Role.TOWN_ADMIN, node=None)
    assert not Membership.objects.filter(user=user).exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.TOWN_ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, role=Role.DISTRICT_ADMIN, town=demo_territory)
    assert grant_role(user=user, role=Role.DISTRICT_ADMIN, node=None) == grant_role(
        user=user, role=Role.DISTRICT_ADMIN, node=None)

    # A town administrator may grant roles in the admin, but neither the district's nor another town's.
    other = services.upsert_town(name="邻镇", code="LZ")
    town_admin = user_client("demo-town")
    for role, town in ((Role.DISTRICT_ADMIN, ""), (Role.TOWN_ADMIN, other.pk)):
        r = town_admin.post("/admin/accounts/membership/add/", {"user": user.pk, "role": role, "town": town})
        assert r.status_code == 200 and "errornote" in r.content.decode(), role
    r = town_admin.post("/admin/accounts/membership/add/", {"user": user.pk, "role": Role.COMMUNITY_STAFF,
                                                            "town": demo_territory.pk})
    assert r.status_code == 302
    assert set(Membership.objects.filter(user=user).values_list("role", flat=True)) == {
        Role.DISTRICT_ADMIN, Role.COMMUNITY_STAFF}
