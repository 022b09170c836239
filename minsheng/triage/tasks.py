"""Background work of the triage engine: the second look at each new demand (meaning vector, full
heads, duplicates by meaning), seconds after intake answered."""

from django.conf import settings
from django.db import transaction
from django_tasks import task

from .engine import embed
from .services import assess_demand


@task()
def assess(code: str) -> str:
    verdict = assess_demand(code)
    if verdict is None:
        return "skipped"
    return "urgent" if verdict["urgent"] else "possible" if verdict["possibly_urgent"] else "routine"


def schedule(code: str) -> None:
    """Queue the second look. With the database queue the task row is written in the caller's
    transaction (it commits or rolls back with the demand); an outside queue gets it after commit."""
    if not embed.available():
        return
    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        assess.enqueue(code)
    else:
        transaction.on_commit(lambda: assess.enqueue(code))
