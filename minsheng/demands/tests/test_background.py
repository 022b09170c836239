"""Overdue reminders and the daily digest run as real background tasks (database backend + worker).
The worker manages its own database connections, so these tests commit for real (transaction=True)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from minsheng.core.models import PeriodicRun
from minsheng.core.services import run_due
from minsheng.demands.models import Demand
from minsheng.notifications.models import Notification


@pytest.mark.django_db(transaction=True)
def test_overdue_reminder_runs_once_per_demand(api, submit):
    code = submit()["code"]
    staff = api("demo-cailing")
    staff.act(code, "accept")
    staff.act(code, "assign", handler="demo-handler")
    Demand.objects.filter(code=code).update(due_at=timezone.now() - timedelta(hours=1))
    call_command("worker", "--once")
    reminders = Notification.objects.filter(subject=f"超期提醒 {code}")
    assert {n.recipient.username for n in reminders} == {"demo-handler", "demo-cailing"}
    PeriodicRun.objects.all().delete()  # make every job due again
    call_command("worker", "--once")
    assert Notification.objects.filter(subject=f"超期提醒 {code}").count() == 2


@pytest.mark.django_db(transaction=True)
def test_daily_digest_lists_queues(api, submit):
    submit()
    from minsheng.demands.tasks import daily_digest

    daily_digest.enqueue()
    call_command("worker", "--once", "--no-periodic")
    digest = Notification.objects.get(recipient__username="demo-cailing", subject="今日民情待办")
    assert "待受理 1" in digest.body


@pytest.mark.django_db(transaction=True)
def test_reporter_sms_is_written_and_delivered_by_the_worker_after_the_request(api, submit):
    code = submit()["code"]
    sms = Notification.objects.filter(channel="sms", demand_code=code)
    assert not sms.exists()          # the request answered without writing the receipt…
    queued = DBTaskResult.objects.values_list("task_path", flat=True)
    assert list(queued) == ["minsheng.demands.tasks.after_intake"]   # …but queued it, with the second look
    call_command("worker", "--once", "--no-periodic")
    assert list(sms.values_list("state", "body")) == [("sent", f"您的诉求已登记，编号 {code}。")]
    call_command("worker", "--once", "--no-periodic")
    assert sms.count() == 1


def test_daily_job_runs_once_a_day_in_local_time(db):
    local = timezone.get_current_timezone()
    morning = timezone.make_aware(timezone.datetime(2026, 10, 1, 8, 30), local)
    assert "demands.daily_digest" in run_due(morning)
    assert "demands.daily_digest" not in run_due(morning + timedelta(hours=3))
    assert "demands.daily_digest" in run_due(morning + timedelta(days=1))


def test_assignment_notifies_the_handler(api, submit):
    code = submit()["code"]
    staff = api("demo-cailing")
    staff.act(code, "accept")
    staff.act(code, "assign", handler="demo-handler")
    assert Notification.objects.filter(recipient__username="demo-handler", subject=f"新派单 {code}").exists()


@pytest.mark.django_db(transaction=True)
def test_reporter_told_on_every_status_change(api, submit):
    code = submit()["code"]
    call_command("worker", "--once", "--no-periodic")
    staff = api("demo-cailing")
    staff.act(code, "accept")
    staff.act(code, "assign", handler="demo-handler")
    bodies = list(Notification.objects.filter(channel="sms", demand_code=code).order_by("id").values_list("body", flat=True))
    assert len(bodies) == 3 and "已登记" in bodies[0] and "已受理" in bodies[1] and "派单" in bodies[2]
