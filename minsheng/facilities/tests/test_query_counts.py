"""Every list of facilities, plans, tasks and of a facility's history costs the same number of queries with
2 rows as with 6 (issue #10: no N+1). The register list (/desk/facilities/, /api/v1/facilities) is
checked in test_staff.py and test_public_api.py."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from minsheng.core.tests.query_counts import assert_flat
from minsheng.facilities import services
from minsheng.facilities.models import FacilityProject, MaintenancePlan, MaintenanceTask

from .conftest import jpeg

SH = ZoneInfo("Asia/Shanghai")
FEW, MORE = 2, 4  # 2 rows, then 6


def _user(username):
    return get_user_model().objects.get(username=username)


def _photo(name="p.jpg"):
    return SimpleUploadedFile(name, jpeg(), content_type="image/jpeg")


@pytest.fixture
def benches(facility, plan):
    """benches(n, start): n benches in 采菱家园一期, each with a weekly plan, assigned to demo-handler, and a
    link to the project that built it."""

    def make(n, start=0):
        made = [facility("采菱家园一期", "benches", name=f"座椅{start + i}号") for i in range(n)]
        for f in made:
            plan([f], "weekly", title=f"巡查{f.name}", weekday=1, assignee="demo-handler")
            FacilityProject.objects.create(facility=f, project_id=1000 + f.pk, title="采菱家园环境提升",
                                           role="built", at=f.created_at)
        return made

    return make


@pytest.fixture
def tasks(facility, plan):
    """tasks(n, start): n facilities in 采菱家园一期 with a daily plan each and the task of 2027-01-01."""

    def make(n, start=0):
        made = []
        for i in range(start, start + n):
            f = facility("采菱家园一期", "benches", name=f"长椅{i}号")
            p = plan([f], "daily", title=f"保洁{i}号", due_time=time(18, 0), lead_days=0, starts_on=date(2027, 1, 1),
                     assignee="demo-handler")
            MaintenancePlan.objects.filter(pk=p.pk).update(created_at=datetime(2026, 12, 1, tzinfo=SH))
            made.append(f)
        services.generate_tasks(datetime(2027, 1, 1, 8, 0, tzinfo=SH))
        return list(MaintenanceTask.objects.filter(facility__in=made))

    return make


def test_public_register_page(client, benches, django_assert_max_num_queries):
    benches(FEW)
    assert_flat(lambda: client.get("/facilities/"), lambda: benches(MORE, FEW), 6, django_assert_max_num_queries,
                check=lambda r: f"座椅{FEW + MORE - 1}号" in r.content.decode())


def test_facility_api_lists_components_and_history(api, facility, django_assert_max_num_queries):
    station = facility("采菱家园二期", "fitness_point", name="采菱健身点")
    cailing = _user("demo-cailing")

    def add(n, start):
        for i in range(start, start + n):
            services.register_facility(actor=None, community=station.community, name=f"水泵{i}号", kind="pump",
                                       parent=station, check=False)
            services.set_condition(station, cailing, condition=("poor", "good")[i % 2], note=f"巡查{i}")

    add(FEW, 0)
    assert_flat(lambda: api().get(f"/api/v1/facilities/{station.pk}"), lambda: add(MORE, FEW), 8,
                django_assert_max_num_queries, check=lambda r: len(r.json()["components"]) == FEW + MORE)


def test_desk_facility_page(user_client, facility, plan, django_assert_max_num_queries):
    station = facility("采菱家园二期", "fitness_point", name="采菱健身点")
    plan([station], "daily", title="每日巡查", due_time=time(18, 0), lead_days=0, starts_on=date(2027, 1, 1),
         assignee="demo-handler")
    MaintenancePlan.objects.filter(title="每日巡查").update(created_at=datetime(2026, 12, 1, tzinfo=SH))
    cailing = _user("demo-cailing")
    day = [1]

    def add(n, start):
        for i in range(start, start + n):
            services.register_facility(actor=None, community=station.community, name=f"水泵{i}号", kind="pump",
                                       parent=station, check=False)
            services.set_condition(station, cailing, condition=("poor", "good")[i % 2], note=f"巡查{i}")
            services.add_photo(station, cailing, _photo(f"{i}.jpg"), caption=f"照片{i}")
        for _ in range(n):  # one task a day
            services.generate_tasks(datetime(2027, 1, day[0], 8, 0, tzinfo=SH))
            day[0] += 1

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get(f"/desk/facilities/{station.pk}/"), lambda: add(MORE, FEW), 15,
                django_assert_max_num_queries,
                check=lambda r: r.content.decode().count("/desk/facilities/tasks/") >= FEW + MORE)


def test_desk_plans_page(user_client, benches, django_assert_max_num_queries):
    benches(FEW)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/facilities/plans/"), lambda: benches(MORE, FEW), 13,
                django_assert_max_num_queries, check=lambda r: f"巡查座椅{FEW + MORE - 1}号" in r.content.decode())


def test_plans_api(api, benches, django_assert_max_num_queries):
    benches(FEW)
    staff = api("demo-cailing")
    assert_flat(lambda: staff.get("/api/v1/facilities/plans"), lambda: benches(MORE, FEW), 6,
                django_assert_max_num_queries, check=lambda r: len(r.json()) == FEW + MORE)


def test_desk_tasks_page(user_client, tasks, django_assert_max_num_queries):
    tasks(FEW)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get("/desk/facilities/tasks/"), lambda: tasks(MORE, FEW), 11,
                django_assert_max_num_queries, check=lambda r: f"长椅{FEW + MORE - 1}号" in r.content.decode())


def test_tasks_api(api, tasks, django_assert_max_num_queries):
    tasks(FEW)
    staff, handler = api("demo-cailing"), api("demo-handler")
    assert_flat(lambda: staff.get("/api/v1/facilities/tasks"), lambda: tasks(MORE, FEW), 5,
                django_assert_max_num_queries, check=lambda r: len(r.json()) == FEW + MORE)
    assert_flat(lambda: handler.get("/api/v1/facilities/tasks", mine=True), lambda: tasks(MORE, FEW + MORE), 5,
                django_assert_max_num_queries, check=lambda r: len(r.json()) == FEW + 2 * MORE)


def test_task_page_lists_its_photos(api, user_client, tasks, django_assert_max_num_queries):
    [task] = tasks(1)
    staff = api("demo-cailing")

    def add(n, start):
        for i in range(start, start + n):
            r = staff.upload(f"/api/v1/facilities/tasks/{task.pk}/photos", {"file": _photo(f"{i}.jpg")})
            assert r.status_code == 201, r.content

    add(FEW, 0)
    client = user_client("demo-cailing")
    assert_flat(lambda: client.get(f"/desk/facilities/tasks/{task.pk}/"), lambda: add(MORE, FEW), 11,
                django_assert_max_num_queries,
                check=lambda r: r.content.decode().count("/desk/facilities/photos/") >= FEW + MORE)


def test_desk_plans_page_of_the_town_over_more_communities(user_client, facility, plan,
                                                           django_assert_max_num_queries):
    """The town's staff plan for every community: the form's choices (facilities, assignees of each
    community) come in a fixed number of queries too."""
    from minsheng.territory import services as territory

    town = _user("demo-town").memberships.get().town

    def add(n, start):
        for i in range(start, start + n):
            c = territory.upsert_community(town=town, name=f"测试{i}社区", code=f"TC{i}", population=3000)
            p = territory.upsert_place(community=c, name=f"测试{i}社区广场")
            f = services.register_facility(actor=None, community=c, place=p, kind="benches", name=f"测试{i}座椅",
                                           check=False)
            plan([f], "weekly", title=f"测试{i}巡查", weekday=1)

    add(FEW, 0)
    client = user_client("demo-town")
    assert_flat(lambda: client.get("/desk/facilities/plans/"), lambda: add(MORE, FEW), 13,
                django_assert_max_num_queries, check=lambda r: f"测试{FEW + MORE - 1}巡查" in r.content.decode())
