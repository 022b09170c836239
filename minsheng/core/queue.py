"""Queueing background work from inside a write: the task must only ever see committed data."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import transaction


def enqueue_on_commit(enqueue: Callable[[], object]) -> None:
    """Run `enqueue` (which queues one or more tasks) so that the work sees what the caller's
    transaction writes. With the database queue the task rows are written in that transaction: they
    commit or roll back with it, and no second write transaction follows the commit. An outside queue
    (Redis) gets them after commit, or it could run them before the rows exist."""
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        enqueue()
    else:
        transaction.on_commit(enqueue)
