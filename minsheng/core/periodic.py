"""Periodic jobs, run by `minsheng worker`. Each job is a django-tasks task enqueued when due; a row per
job in PeriodicRun (locked while deciding) makes several workers enqueue it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicRun


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # dotted path of a django-tasks task
    every: timedelta | None = None  # run every …
    daily_at: time | None = None  # or once a day at this local time


JOBS: list[Job] = [
    Job("demands.remind_overdue", "minsheng.demands.tasks.remind_overdue", every=timedelta(minutes=15)),
    Job("demands.daily_digest", "minsheng.demands.tasks.daily_digest", daily_at=time(8, 0)),
    Job("facilities.generate_tasks", "minsheng.facilities.tasks.generate_maintenance_tasks", every=timedelta(hours=1)),
    Job("facilities.raise_missed", "minsheng.facilities.tasks.raise_missed_maintenance", every=timedelta(minutes=15)),
    Job("kpis.callback_no_answer", "minsheng.kpis.tasks.callback_no_answer", every=timedelta(hours=1)),
    Job("kpis.monthly_ranking", "minsheng.kpis.tasks.publish_monthly_ranking", daily_at=time(9, 0)),
    Job("collection.remind_meetings", "minsheng.collection.tasks.remind_meetings", every=timedelta(minutes=30)),
    Job("reliability.apply_retention", "minsheng.reliability.tasks.apply_retention", daily_at=time(3, 0)),
]


def _due(job: Job, last: datetime | None, now: datetime) -> bool:
    if job.every is not None:
        return last is None or now - last >= job.every
    local_now = timezone.localtime(now)
    today_at = timezone.make_aware(datetime.combine(local_now.date(), job.daily_at))
    return local_now >= today_at and (last is None or last < today_at)


def run_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job that is due; returns their names."""
    now = now or timezone.now()
    enqueued = []
    for job in JOBS:
        with transaction.atomic():
            PeriodicRun.objects.get_or_create(name=job.name, defaults={"last_run": now - timedelta(days=3650)})
            row = PeriodicRun.objects.select_for_update().get(name=job.name)
            if not _due(job, row.last_run, now):
                continue
            row.last_run = now
            row.save(update_fields=["last_run"])
            import_string(job.task).enqueue()
            enqueued.append(job.name)
    return enqueued
