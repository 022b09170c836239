"""Background work of the triage engine: the second look at a demand (meaning vector, full heads,
duplicates by meaning). New registrations queue it through `minsheng.demands.tasks.after_intake`, with
the reporter's receipt; this task runs the look alone (and any row queued under its name before)."""

from django_tasks import task

from .services import assess_demand


@task()
def assess(code: str) -> str:
    verdict = assess_demand(code)
    if verdict is None:
        return "skipped"
    return "urgent" if verdict["urgent"] else "possible" if verdict["possibly_urgent"] else "routine"
