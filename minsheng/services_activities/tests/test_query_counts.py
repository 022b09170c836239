"""Every list of activities and of the roster costs the same number of queries with 2 rows as with 6
(issue #10: no N+1). Rows are made through the services; the count is read with few rows, then with
more of the same shape, and must not grow; a ceiling is pinned as well."""

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from minsheng.core.tests.query_counts import assert_flat
from minsheng.services_activities import services
from minsheng.services_activities.roster import today
from minsheng.territory.models import Community

FEW, MORE = 2, 4  # 2 rows, then 6


def _user(username):
    return get_user_model().objects.get(username=username)


def jpeg(name="p.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (20, 20), (200, 80, 20)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def activity(demo_territory):
    def make(title, when, *, community="采菱社区", kind="lecture", **kw):
        c = Community.objects.select_related("town").get(name=community)
        return services.create_activity(actor=None, community=c, kind=kind, title=title, date_=when, check=False,
                                        **kw)

    return make


@pytest.fixture
def elders(person):
    """elders(n, start): n members aged 90+ in 采菱家园一期3幢 (the grid of demo-cailing-grid)."""

    def make(n, start=0):
        return [person(f"周{start + i}号", date(1930, 1, 1 + i), room=f"2单元{start + i + 1:02d}",
                       phone="13800000000", living_alone=bool(i % 2)) for i in range(n)]

    return make


def _html(r) -> str:
    return r.content.decode()


# ---------------------------------------------------------------------------------------------
# Activities


def test_public_activities_page(user_client, activity, django_assert_max_num_queries):
    from minsheng.territory.models import Grid

    resident = _user("demo-resident")
    grids = [Grid.objects.filter(community__name=name).order_by("id").first() for name in ("采菱社区", "三勤社区")]

    def add(n, start):
        for i in range(start, start + n):
            grid = grids[i % 2]
            a = activity(f"讲座{i}号", today() + timedelta(days=1 + i), signup_open=True,
                         criteria={"min_age": 60, "grid_id": grid.pk}, community=grid.community.name)
            services.sign_up(a, resident)

    add(FEW, 0)
    client = user_client("demo-resident")
    assert_flat(lambda: client.get("/activities/"), lambda: add(MORE, FEW), 14, django_assert_max_num_queries,
                check=lambda r: _html(r).count("取消报名") == FEW + MORE)


def test_desk_activities_page(user_client, activity, django_assert_max_num_queries):
    def add(n, start):
        for i in range(start, start + n):
            a = activity(f"义诊{i}号", date(2026, 5, 1) + timedelta(days=i), kind="clinic", signup_open=True)
            services.update_activity(a, _user("demo-cailing"), extra_headcount=i)

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/activities/"), lambda: add(MORE, FEW), 16, django_assert_max_num_queries,
                check=lambda r: f"义诊{FEW + MORE - 1}号" in _html(r))


def test_activity_page_lists_targets_served_and_photos(user_client, activity, elders,
                                                       django_assert_max_num_queries):
    visit = activity("重阳节慰问", date(2026, 10, 18), kind="festival_visit", criteria={"min_age": 90})
    staff = _user("demo-cailing")

    def add(n, start):
        members = elders(n, start)
        services.record_served(visit, staff, members=[m.pk for m in members])
        for i in range(n):
            services.add_photo(visit, staff, jpeg(f"{start + i}.jpg"))

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get(f"/desk/activities/{visit.pk}/"), lambda: add(MORE, FEW), 15,
                django_assert_max_num_queries, check=lambda r: _html(r).count("/activities/photos/") >= FEW + MORE)


def test_activity_page_of_an_upcoming_activity_with_sign_ups(user_client, activity, elders,
                                                             django_assert_max_num_queries):
    from minsheng.accounts.services import ensure_user, grant_role

    clinic = activity("义诊", today() + timedelta(days=7), kind="clinic", signup_open=True, criteria={"min_age": 90})
    cailing = Community.objects.get(name="采菱社区")

    def add(n, start):
        elders(n, start)
        for i in range(start, start + n):
            resident, _ = ensure_user(username=f"resident-{i}", password="x" * 12)
            grant_role(user=resident, role="resident", node=cailing)
            services.sign_up(clinic, resident)

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get(f"/desk/activities/{clinic.pk}/"), lambda: add(MORE, FEW), 15,
                django_assert_max_num_queries, check=lambda r: r.content.decode().count("周*") >= FEW + MORE)


def test_activity_targets_api(api, activity, elders, django_assert_max_num_queries):
    visit = activity("重阳节慰问", date(2026, 10, 18), kind="festival_visit", criteria={"min_age": 90})
    elders(FEW)
    staff = api("demo-cailing")
    assert_flat(lambda: staff.get(f"/api/v1/activities/{visit.pk}/targets"), lambda: elders(MORE, FEW), 8,
                django_assert_max_num_queries, check=lambda r: r.json()["count"] == FEW + MORE)


def test_activity_export(user_client, activity, elders, django_assert_max_num_queries):
    visit = activity("重阳节慰问", date(2026, 10, 18), kind="festival_visit", criteria={"min_age": 90})
    elders(FEW)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get(f"/desk/activities/{visit.pk}/export/", {"phone": "1"}),
                lambda: elders(MORE, FEW), 10, django_assert_max_num_queries)


def test_activity_counts_api(api, activity, django_assert_max_num_queries):
    communities = ["采菱社区", "三勤社区", "华家社区", "夏雷社区"]

    def add(n, start):
        for i in range(start, start + n):
            activity(f"活动{i}号", date(2026, 3, 1) + timedelta(days=i), community=communities[i % 4])

    add(FEW, 0)
    assert_flat(lambda: api().get("/api/v1/activities/counts"), lambda: add(MORE, FEW), 4,
                django_assert_max_num_queries, check=lambda r: len(r.json()) == 4)


# ---------------------------------------------------------------------------------------------
# The roster


def test_member_page_lists_what_they_were_served(user_client, activity, elders, django_assert_max_num_queries):
    [m] = elders(1)
    staff = _user("demo-cailing")

    def add(n, start):
        for i in range(start, start + n):
            a = activity(f"上门服务{i}号", date(2026, 1, 1) + timedelta(days=i), kind="other")
            services.record_served(a, staff, members=[m.pk], note=f"第{i}次")

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get(f"/desk/roster/members/{m.pk}/"), lambda: add(MORE, FEW), 10,
                django_assert_max_num_queries, check=lambda r: f"上门服务{FEW + MORE - 1}号" in _html(r))


TARGETED = {"community": "采菱社区", "min_age": "90", "on": "2026-10-18"}


def test_targeted_lists_page(user_client, elders, django_assert_max_num_queries):
    elders(FEW)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/roster/lists/", TARGETED), lambda: elders(MORE, FEW), 15,
                django_assert_max_num_queries, check=lambda r: _html(r).count("周*") >= FEW + MORE)


def test_targeted_lists_export_page(user_client, elders, django_assert_max_num_queries):
    elders(FEW)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/roster/lists/export/", TARGETED), lambda: elders(MORE, FEW), 12,
                django_assert_max_num_queries)


def test_targeted_api(api, elders, django_assert_max_num_queries):
    elders(FEW)
    staff = api("demo-cailing")
    assert_flat(lambda: staff.get("/api/v1/roster/targeted", **TARGETED), lambda: elders(MORE, FEW), 8,
                django_assert_max_num_queries, check=lambda r: r.json()["count"] == FEW + MORE)


def test_targeted_export_api(api, elders, django_assert_max_num_queries):
    elders(FEW)
    staff = api("demo-cailing")
    assert_flat(lambda: staff.get("/api/v1/roster/targeted/export", include_phone="true", **TARGETED),
                lambda: elders(MORE, FEW), 8, django_assert_max_num_queries)
