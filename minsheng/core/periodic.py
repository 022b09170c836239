"""Periodic jobs, run by `minsheng worker`. Each job is a django-tasks task enqueued when due; a row per
job in PeriodicRun (locked while deciding) makes several workers enqueue it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone


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


def is_due(job: Job, last: datetime | None, now: datetime) -> bool:
    if job.every is not None:
        return last is None or now - last >= job.every
    local_now = timezone.localtime(now)
    today_at = timezone.make_aware(datetime.combine(local_now.date(), job.daily_at))
    return local_now >= today_at and (last is None or last < today_at)
