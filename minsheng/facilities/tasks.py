"""Background work for facilities (run by `minsheng worker`, scheduled in minsheng.core.periodic.JOBS):
make maintenance tasks ahead of their due dates, and turn missed ones into demands."""

from __future__ import annotations

from django_tasks import task


@task()
def generate_maintenance_tasks() -> int:
    """Create the tasks of every active maintenance plan up to its lead time ahead (idempotent)."""
    from .services import generate_tasks

    return generate_tasks().created


@task()
def raise_missed_maintenance() -> int:
    """Every task not done by its due time plus grace raises one demand (channel referral)."""
    from .services import raise_missed

    return raise_missed()
