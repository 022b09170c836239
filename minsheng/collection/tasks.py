"""Background work for the collection channels: ledger imports too big for a request, the meaning
reading of an uploaded WeChat export's messages, and meeting reminders (a periodic job,
`minsheng.core.periodic.JOBS`)."""

from __future__ import annotations

from django_tasks import task


@task()
def import_ledger(import_id: int) -> None:
    from .services.ledger_web import run_import

    run_import(import_id)


@task()
def remind_meetings() -> int:
    """Schedule recurring meetings ahead, then tell attendees about meetings within the next day."""
    from .services.meetings import extend_all, remind_due

    extend_all()
    return remind_due()


@task()
def read_meaning(export_id: int) -> int:
    from .services.chat import read_meaning as read

    return read(export_id)

