"""Writes of core: the rate-limit counters, the periodic jobs' claims, the health write probe."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from .errors import Throttled
from .models import HealthProbe, PeriodicRun, RateBucket
from .periodic import JOBS, is_due


def hit(key: str, *, limit: int, per_seconds: int, message: str = "请求过于频繁，请稍后再试") -> None:
    """Count one request for `key`; raise Throttled (429) once `limit` is passed in this window."""
    window = int(time.time()) // per_seconds * per_seconds
    with transaction.atomic():
        updated = RateBucket.objects.filter(key=key, window=window).update(count=F("count") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    RateBucket.objects.create(key=key, window=window, count=1)
            except IntegrityError:  # another worker created it first
                RateBucket.objects.filter(key=key, window=window).update(count=F("count") + 1)
        count = RateBucket.objects.filter(key=key, window=window).values_list("count", flat=True).first() or 0
    if count > limit:
        raise Throttled(message)
    # Old windows are useless; prune now and then.
    if count == 1:
        RateBucket.objects.filter(window__lt=window - 86400).delete()


def run_due(now: datetime | None = None) -> list[str]:
    """Enqueue every job that is due; returns their names."""
    now = now or timezone.now()
    enqueued = []
    for job in JOBS:
        with transaction.atomic():
            PeriodicRun.objects.get_or_create(name=job.name, defaults={"last_run": now - timedelta(days=3650)})
            row = PeriodicRun.objects.select_for_update().get(name=job.name)
            if not is_due(job, row.last_run, now):
                continue
            row.last_run = now
            row.save(update_fields=["last_run"])
            import_string(job.task).enqueue()
            enqueued.append(job.name)
    return enqueued


def record_write_probe() -> None:
    """Rewrite the one probe row: fails when the database can read but not write (a full disk)."""
    with transaction.atomic():
        updated = HealthProbe.objects.filter(name="write").update(at=timezone.now())
        if not updated:
            HealthProbe.objects.create(name="write", at=timezone.now())
