"""Tasks are made ahead of their due dates in the town's local time, once per occurrence."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from minsheng.core.models import PeriodicRun
from minsheng.core.periodic import JOBS
from minsheng.core.services import run_due
from minsheng.facilities.models import MaintenancePlan, MaintenanceTask
from minsheng.facilities.services import generate_tasks

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


def backdate(plan, when):
    MaintenancePlan.objects.filter(pk=plan.pk).update(created_at=when)
    plan.refresh_from_db()


def test_generation_is_idempotent(facility, plan):
    toilet = facility("华家综合消费品市场公厕", "public_toilet")
    p = plan([toilet], "daily", due_time=time(19, 0), lead_days=2, starts_on=date(2027, 1, 1))
    backdate(p, datetime(2026, 12, 31, tzinfo=SH))
    now = datetime(2027, 1, 1, 8, 0, tzinfo=SH)
    first = generate_tasks(now)
    assert first.created == 3  # 1, 2 and 3 January
    again = generate_tasks(now)
    assert again.created == 0
    assert generate_tasks(now + timedelta(hours=5)).created == 0
    assert MaintenanceTask.objects.count() == 3
    assert generate_tasks(now + timedelta(days=1)).created == 1  # the window moved on by a day
    assert sorted(MaintenanceTask.objects.values_list("due_on", flat=True)) == [
        date(2027, 1, d) for d in (1, 2, 3, 4)]


def test_local_date_decides_the_day(facility, plan):
    """00:30 on 1 January in Shanghai is still 31 December in UTC: the task of 1 January is made."""
    toilet = facility("华家综合消费品市场公厕", "public_toilet")
    p = plan([toilet], "daily", due_time=time(8, 0), lead_days=0, starts_on=date(2027, 1, 1))
    backdate(p, datetime(2026, 12, 30, tzinfo=SH))
    generate_tasks(datetime(2026, 12, 31, 16, 30, tzinfo=UTC))
    task = MaintenanceTask.objects.get()
    assert task.due_on == date(2027, 1, 1)
    assert task.due_at == datetime(2027, 1, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert task.miss_at - task.due_at == timedelta(hours=p.grace_hours)


def test_each_town_uses_its_own_time_zone(demo_territory):
    from minsheng.facilities import services
    from minsheng.territory.models import Community, Town

    town = Town.objects.create(name="伦敦测试镇", code="LD", time_zone="Europe/London")
    community = Community.objects.create(town=town, name="测试社区", code="TS")
    f = services.register_facility(actor=None, community=community, name="测试公厕", kind="public_toilet",
                                   check=False)
    p = services.create_plan(actor=None, community=community, title="周三保洁", facilities=[f], frequency="weekly",
                             weekday=2, due_time=time(9, 0), lead_days=7, starts_on=date(2026, 6, 1), check=False)
    backdate(p, datetime(2026, 6, 1, tzinfo=UTC))
    generate_tasks(datetime(2026, 6, 29, 12, 0, tzinfo=UTC))
    task = MaintenanceTask.objects.get(due_on=date(2026, 7, 1))
    assert task.due_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 09:00 British Summer Time
    winter = date(2026, 12, 2)
    generate_tasks(datetime(2026, 11, 30, 12, 0, tzinfo=UTC))
    assert MaintenanceTask.objects.get(due_on=winter).due_at == datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_yearly_plan_is_made_its_lead_time_ahead(facility, plan):
    station = facility("塘坊排涝站", "drainage_station")
    p = plan([station], "yearly", month=5, day=5, due_time=time(17, 0), lead_days=30, starts_on=date(2026, 5, 1))
    backdate(p, datetime(2026, 11, 1, tzinfo=SH))
    assert generate_tasks(datetime(2027, 4, 4, 12, 0, tzinfo=SH)).created == 0
    assert generate_tasks(datetime(2027, 4, 5, 12, 0, tzinfo=SH)).created == 1
    task = MaintenanceTask.objects.get()
    assert task.due_on == date(2027, 5, 5) and task.due_at == datetime(2027, 5, 5, 17, 0, tzinfo=SH)


def test_monthly_plan_on_the_31st_makes_a_february_task(facility, plan):
    station = facility("张家排涝站", "drainage_station")
    p = plan([station], "monthly", day=31, lead_days=7, starts_on=date(2027, 1, 1))
    backdate(p, datetime(2027, 1, 1, tzinfo=SH))
    generate_tasks(datetime(2027, 2, 22, 9, 0, tzinfo=SH))
    assert list(MaintenanceTask.objects.values_list("due_on", flat=True)) == [date(2027, 2, 28)]


def test_one_task_per_facility_and_none_for_facilities_out_of_service(facility, plan):
    stations = [facility(n, "drainage_station") for n in ("塘坊排涝站", "杨家北排涝站", "张家排涝站")]
    stations[2].condition = "out_of_service"
    stations[2].save()
    p = plan(stations, "yearly", title="汛前检修", month=5, day=5, lead_days=30, starts_on=date(2027, 1, 1))
    backdate(p, datetime(2027, 1, 1, tzinfo=SH))
    generate_tasks(datetime(2027, 4, 20, tzinfo=SH))
    assert sorted(MaintenanceTask.objects.values_list("facility__name", flat=True)) == ["塘坊排涝站", "杨家北排涝站"]


def test_no_task_before_the_plan_existed(facility, plan):
    toilet = facility("华家综合消费品市场公厕", "public_toilet")
    p = plan([toilet], "daily", due_time=time(19, 0), lead_days=0, starts_on=date(2027, 1, 1))
    backdate(p, datetime(2027, 1, 10, 20, 0, tzinfo=SH))  # made after the day's cleaning was due
    generate_tasks(datetime(2027, 1, 11, 9, 0, tzinfo=SH))
    assert list(MaintenanceTask.objects.values_list("due_on", flat=True)) == [date(2027, 1, 11)]


def test_paused_and_ended_plans_make_nothing(facility, plan):
    toilet = facility("华家综合消费品市场公厕", "public_toilet")
    p = plan([toilet], "daily", lead_days=3, starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 2))
    backdate(p, datetime(2026, 12, 1, tzinfo=SH))
    generate_tasks(datetime(2027, 1, 1, 7, 0, tzinfo=SH))
    assert MaintenanceTask.objects.count() == 2
    MaintenancePlan.objects.update(active=False)
    generate_tasks(datetime(2027, 1, 5, 7, 0, tzinfo=SH))
    assert MaintenanceTask.objects.count() == 2


def test_periodic_jobs_are_registered(db):
    names = {j.name: j.task for j in JOBS}
    assert names["facilities.generate_tasks"] == "minsheng.facilities.tasks.generate_maintenance_tasks"
    assert names["facilities.raise_missed"] == "minsheng.facilities.tasks.raise_missed_maintenance"
    enqueued = run_due()
    assert {"facilities.generate_tasks", "facilities.raise_missed"} <= set(enqueued)


@pytest.mark.django_db(transaction=True)
def test_worker_generates_tasks_in_the_background(facility, plan):
    from django.utils import timezone

    toilet = facility("华家综合消费品市场公厕", "public_toilet")
    today = timezone.localdate()
    plan([toilet], "daily", due_time=time(23, 59), lead_days=2, starts_on=today)
    PeriodicRun.objects.all().delete()
    call_command("worker", "--once")
    assert set(MaintenanceTask.objects.values_list("due_on", flat=True)) >= {
        today + timedelta(days=1), today + timedelta(days=2)}
    n = MaintenanceTask.objects.count()
    PeriodicRun.objects.all().delete()
    call_command("worker", "--once")
    assert MaintenanceTask.objects.count() == n
