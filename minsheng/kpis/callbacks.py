"""The callback (回访) side: the queue of demands waiting for their callback, and the rule that turns a
long wait into 未评价 (domain.md §3, §6).

A demand waits for its callback when it was answered (consultation), replied (办结), or moved to callback
by a project entering service without a callback yet. The reporter is invited to rate it (the message
tells them to open /track/ with the code and the last four digits of their phone, which show progress,
and to rate with a one-time code sent to that phone, or with their tracking code: only a digest of the
tracking token is stored, so no message can carry a link with the token; see demands/reporter.py).
Staff can also call the reporter and record the answer at /desk/callbacks/. When neither happens within
`settings.MINSHENG_CALLBACK_NO_ANSWER_DAYS` days (default 7), the no-answer job records 未评价.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from minsheng.core.errors import Conflict, NotFound
from minsheng.demands.models import Demand, DemandEvent
from minsheng.demands.selectors import QUEUES, visible_demands
from minsheng.demands.services import callback_no_answer

DEFAULT_NO_ANSWER_DAYS = 7
# The events that put a demand into the waiting state (the latest one counts, e.g. after a reopening).
ENTERING_ACTIONS = ("answer", "reply", "project_done")


def no_answer_days() -> int:
    return int(getattr(settings, "MINSHENG_CALLBACK_NO_ANSWER_DAYS", DEFAULT_NO_ANSWER_DAYS))


def awaiting_q():
    return QUEUES["to_callback"][1]


def with_waiting_since(qs: QuerySet) -> QuerySet:
    """Annotate `waiting_since`: when the demand last entered the waiting state (its latest answer, reply
    or project completion; the completion time, then the receipt time, when no such event exists)."""
    entered = (
        DemandEvent.objects.filter(demand=OuterRef("pk"), action__in=ENTERING_ACTIONS)
        .order_by("-at", "-id").values("at")[:1]
    )
    return qs.annotate(waiting_since=Coalesce(Subquery(entered), F("completed_at"), F("received_at")))


def queue(user) -> QuerySet:
    """Demands awaiting callback that the user may see, the longest-waiting first."""
    qs = visible_demands(user).filter(awaiting_q())
    return (
        with_waiting_since(qs)
        .select_related("community", "grid", "handler")
        .order_by(F("waiting_since").asc(), "id")
    )


def days_waiting(since: datetime | None, now: datetime | None = None) -> int:
    if since is None:
        return 0
    return max(0, ((now or timezone.now()) - since).days)


def overdue_for_answer(now: datetime | None = None) -> QuerySet:
    """Every demand (whatever the scope) that has waited at least the no-answer period."""
    cutoff = (now or timezone.now()) - timedelta(days=no_answer_days())
    return (
        with_waiting_since(Demand.objects.filter(awaiting_q()))
        .filter(waiting_since__lte=cutoff)
        .order_by("waiting_since", "id")
    )


BATCH = 500
MAX_PER_RUN = 20_000


def record_no_answers(now: datetime | None = None) -> int:
    """Record 未评价 for every demand that has waited too long. Safe to run any number of times and on
    several workers at once: each demand is changed under its row lock, once."""
    done, skipped = 0, set()
    while done + len(skipped) < MAX_PER_RUN:
        codes = [c for c in overdue_for_answer(now).values_list("code", flat=True)[:BATCH] if c not in skipped]
        if not codes:
            break
        for code in codes:
            try:
                callback_no_answer(code)
            except (Conflict, NotFound):  # rated meanwhile, or another worker got there first
                skipped.add(code)
                continue
            done += 1
        if len(codes) < BATCH:
            break
    return done
