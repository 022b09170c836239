"""Periodic job: the retention rule for personal data of ended demands (minsheng.core.periodic.JOBS)."""

from __future__ import annotations

from django_tasks import task


@task()
def apply_retention() -> int:
    from .services import apply_retention as run

    return run()
