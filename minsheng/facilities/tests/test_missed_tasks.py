"""A task not done by its due time plus grace raises exactly one demand (channel referral), linked back."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from minsheng.core.models import PeriodicRun
from minsheng.core.tests.threads import run_in_threads
from minsheng.demands.models import Demand
from minsheng.facilities.models import FacilityEvent, MaintenancePlan, MaintenanceTask
from minsheng.facilities.services import complete_task, generate_tasks, raise_missed

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def toilet_task(facility, plan):
    toilet = facility("华家综合消费品市场公厕", "public_toilet")
    p = plan([toilet], "daily", title="公厕每日保洁", due_time=time(19, 0), grace_hours=2, lead_days=0,
             starts_on=date(2027, 3, 1))
    MaintenancePlan.objects.filter(pk=p.pk).update(created_at=datetime(2027, 2, 28, tzinfo=SH))
    generate_tasks(datetime(2027, 3, 1, 7, 0, tzinfo=SH))
    return MaintenanceTask.objects.select_related("facility").get()


def test_missed_task_raises_exactly_one_demand(toilet_task):
    assert raise_missed(datetime(2027, 3, 1, 20, 59, tzinfo=SH)) == 0  # within the grace period
    assert raise_missed(datetime(2027, 3, 1, 21, 1, tzinfo=SH)) == 1
    assert raise_missed(datetime(2027, 3, 1, 21, 16, tzinfo=SH)) == 0
    assert raise_missed(datetime(2027, 3, 2, 9, 0, tzinfo=SH)) == 0
    demand = Demand.objects.get()
    task = MaintenanceTask.objects.get()
    assert task.status == "missed" and task.demand_code == demand.code
    assert demand.channel == "referral" and demand.source_ref == f"task:{task.pk}"
    assert demand.community.name == "华家社区" and demand.category == "sanitation"
    assert "公厕每日保洁" in demand.text and "2027-03-01 19:00" in demand.text
    event = FacilityEvent.objects.get(action="missed")
    assert event.demand_code == demand.code and event.task_id == task.pk


def test_done_in_time_raises_nothing(toilet_task, user_client):
    from django.contrib.auth import get_user_model

    staff = get_user_model().objects.get(username="demo-town")
    complete_task(toilet_task, staff, notes="已保洁")
    assert raise_missed(datetime(2027, 3, 5, tzinfo=SH)) == 0
    assert not Demand.objects.exists()


def test_done_late_keeps_the_single_demand(toilet_task):
    from django.contrib.auth import get_user_model

    raise_missed(datetime(2027, 3, 2, tzinfo=SH))
    staff = get_user_model().objects.get(username="demo-town")
    task = complete_task(toilet_task, staff, notes="次日补做")
    assert task.status == "done" and task.missed_at is not None
    assert FacilityEvent.objects.filter(action="maintenance", data__late=True).count() == 1
    raise_missed(datetime(2027, 3, 3, tzinfo=SH))
    assert Demand.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_still_raise_one_demand_per_task(facility, plan):
    station = [facility(n, "drainage_station") for n in ("塘坊排涝站", "杨家北排涝站", "张家排涝站")]
    p = plan(station, "yearly", title="汛前检修", month=5, day=5, due_time=time(17, 0), grace_hours=72,
             starts_on=date(2027, 1, 1))
    MaintenancePlan.objects.filter(pk=p.pk).update(created_at=datetime(2027, 1, 1, tzinfo=SH))
    generate_tasks(datetime(2027, 5, 1, tzinfo=SH))
    assert MaintenanceTask.objects.count() == 3
    now = datetime(2027, 5, 9, tzinfo=SH)
    results = run_in_threads(lambda: raise_missed(now), 3)
    assert sum(results) == 3
    assert Demand.objects.count() == 3
    assert set(Demand.objects.values_list("source_ref", flat=True)) == {
        f"task:{pk}" for pk in MaintenanceTask.objects.values_list("pk", flat=True)}


@pytest.mark.django_db(transaction=True)
def test_worker_raises_missed_tasks_once(facility, plan):
    from django.utils import timezone

    toilet = facility("华家综合消费品市场公厕", "public_toilet")
    start = timezone.localdate() - timedelta(days=3)
    p = plan([toilet], "daily", due_time=time(0, 30), grace_hours=1, lead_days=0, starts_on=start)
    MaintenancePlan.objects.filter(pk=p.pk).update(created_at=timezone.now() - timedelta(days=4))
    for _ in range(2):  # generating and raising may run in either order within one round
        PeriodicRun.objects.all().delete()
        call_command("worker", "--once")
    tasks = MaintenanceTask.objects.filter(status="missed")
    assert tasks.count() >= 3
    assert Demand.objects.count() == tasks.count()
    assert sorted(Demand.objects.values_list("source_ref", flat=True)) == sorted(f"task:{t.pk}" for t in tasks)
    PeriodicRun.objects.all().delete()
    call_command("worker", "--once")
    assert Demand.objects.count() == tasks.count()
