"""Reads of demands, always narrowed to what the caller may see."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from minsheng.accounts.models import Role
from minsheng.accounts.selectors import covers, scope_branches, scope_q
from minsheng.accounts.services import log_personal_data_read, mask_name, mask_phone
from minsheng.core.errors import NotFound
from minsheng.territory.models import Town

from .models import ACTIVE_STATES_LIST, ACTIVE_TERM, ENDED_STATES, WORK_STATES, Demand, PhotoStage, Status

S = Status


def visible_demands(user) -> QuerySet:
    """Territorial staff: their territory; a handler: what is assigned to them; a resident: their own."""
    qs = Demand.objects.all()
    territorial = scope_q(user, Demand)
    if territorial is None:
        return qs
    if getattr(user, "is_authenticated", False):
        territorial |= Q(handler_id=user.pk) | Q(reporter_user_id=user.pk)
    return qs.filter(territorial)


def visible_branches(user) -> list[Q] | None:
    """`visible_demands` as separate filters (None: everything) whose OR is the caller's scope."""
    branches = scope_branches(user, Demand)
    if branches is None:
        return None
    if getattr(user, "is_authenticated", False):
        branches += [Q(handler_id=user.pk), Q(reporter_user_id=user.pk)]
    return branches


def get_visible(user, code: str) -> Demand:
    d = visible_demands(user).select_related("community", "grid", "place", "handler", "merged_into", "town").filter(
        code=code
    ).first()
    if d is None:
        raise NotFound(f"没有编号为 {code} 的诉求，或您无权查看")
    return d


def handed_over(user, d: Demand) -> dict | None:
    """After a change that moved `d` out of the caller's territory (e.g. reclassified to another
    community): what the caller may still see, namely where it went and the step they took. None
    while the demand is still theirs to see."""
    if visible_demands(user).filter(pk=d.pk).exists():
        return None
    d = Demand.objects.select_related("community", "grid").get(pk=d.pk)
    own = d.events.filter(actor_id=getattr(user, "pk", None)).order_by("-at", "-id").first()
    return {
        "code": d.code, "status": d.status, "status_name": str(d.get_status_display()),
        "community": d.community.name if d.community_id else None, "grid": d.grid.name if d.grid_id else None,
        "in_scope": False, "events": [own] if own else [],
    }


def entitled_to_personal_data(user, d: Demand) -> bool:
    """domain.md §7: the handler and the staff of the reporter's own community (and the reporter)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if d.handler_id == user.pk or (d.reporter_user_id and d.reporter_user_id == user.pk):
        return True
    if d.community_id is None:
        return covers(user, town_id=d.town_id, role_set={Role.TOWN_ADMIN})
    return covers(user, town_id=None, community_id=d.community_id,
                  role_set={Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY})


def reporter_view(user, d: Demand, *, via: str) -> dict:
    """Reporter's name and phone, unmasked only for the entitled (and then audit-logged)."""
    if not (d.reporter_name or d.reporter_phone):
        return {"reporter_name": "", "reporter_phone": "", "masked": False}
    if entitled_to_personal_data(user, d):
        log_personal_data_read(user=user, subject=f"demand:{d.code}", fields=["reporter_name", "reporter_phone"],
                               via=via)
        return {"reporter_name": d.reporter_name, "reporter_phone": d.reporter_phone, "masked": False}
    return {"reporter_name": mask_name(d.reporter_name), "reporter_phone": mask_phone(d.reporter_phone),
            "masked": True}


@dataclass
class Filters:
    community: str | None = None
    grid: str | None = None
    status: str | None = None
    category: str | None = None
    queue: str | None = None
    overdue: bool | None = None
    urgent: bool | None = None
    handler: str | None = None
    q: str | None = None


def overdue_q(now=None) -> Q:
    now = now or timezone.now()
    return Q(status__in=WORK_STATES) & (Q(due_at__lt=now) | Q(contacted_at=None, contact_deadline__lt=now))


# Work queues of the staff worklist, each a label (lazy: it is read in the request's language, and only
# ever shown or formatted, never used as a key) and a filter.
QUEUES: dict[str, tuple[str, Q]] = {
    "to_accept": (pgettext_lazy("worklist queue", "待受理"), Q(status=S.RECEIVED)),
    # Recall first: what the engine could not rule out as urgent waits here for a person's judgement.
    "maybe_urgent": (pgettext_lazy("worklist queue", "可能紧急"),
                     Q(possibly_urgent=True, urgent=False) & ~Q(status__in=ENDED_STATES)),
    "to_classify": (pgettext_lazy("worklist queue", "待分类"), Q(needs_classification=True) & ~Q(status__in=ENDED_STATES)),
    "to_assign": (pgettext_lazy("worklist queue", "待派单"), Q(status__in=[S.ACCEPTED, S.REOPENED])),
    "in_work": (pgettext_lazy("worklist queue", "办理中"), Q(status__in=[S.ASSIGNED, S.IN_PROGRESS])),
    "to_callback": (pgettext_lazy("worklist queue", "待回访"),
                    Q(status__in=[S.ANSWERED, S.REPLIED]) | Q(status=S.CALLBACK, callback_at=None)),
    "to_close": (pgettext_lazy("worklist queue", "待结案"), Q(status=S.CALLBACK) & ~Q(callback_at=None)),
    "ended": (pgettext_lazy("worklist queue", "已结束"), Q(status__in=ENDED_STATES)),
}


ACTIVE_STATES = frozenset(ACTIVE_STATES_LIST)


def _touches_only_active(f: Filters) -> bool:
    if f.queue:
        return f.queue == "overdue" or f.queue in QUEUES and f.queue != "ended"
    if f.status:
        return f.status in ACTIVE_STATES
    return f.overdue


def only_active(f: Filters, *, active_by_default: bool = False) -> bool:
    """Whether `filtered` narrows to the demands still being worked on (the open workload)."""
    return (active_by_default and not f.queue and not f.status and not f.overdue) or _touches_only_active(f)


def node_branches(user) -> list[Q]:
    """`visible_branches`, with "everything" as one branch per town, so that each branch is an equality
    on a node column whose indexes a query can walk."""
    branches = visible_branches(user)
    if branches is None:
        return [Q(town_id=pk) for pk in Town.objects.values_list("pk", flat=True)]
    return branches


def disjoint(branches: list[Q]) -> list[Q]:
    """Each branch without the demands of the branches before it: counted per branch, none twice."""
    out, earlier = [], Q(pk__in=[])
    for b in branches:
        out.append(b & ~earlier)
        earlier |= b
    return out


def filtered(user, f: Filters, *, active_by_default: bool = False, base: QuerySet | None = None) -> QuerySet:
    """`active_by_default`: with no queue or status chosen, only demands still being worked on (the
    worklist's default view; the ended ones are a queue of their own). `base` replaces the caller's
    visible demands (already narrowed by the caller)."""
    qs = visible_demands(user) if base is None else base
    if only_active(f, active_by_default=active_by_default):
        # Also when a queue or status narrows further: the term names the open-workload indexes (partial,
        # on the active states) to the planner — in literal SQL (models.ACTIVE_TERM says why, and why once).
        qs = qs.filter(ACTIVE_TERM)
    if f.community:
        qs = qs.filter(community__name=f.community)
    if f.grid:
        qs = qs.filter(grid__name=f.grid)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.urgent is not None:
        qs = qs.filter(urgent=f.urgent)
    if f.handler:
        qs = qs.filter(handler__username=f.handler)
    if f.queue == "overdue" or f.overdue:
        qs = qs.filter(overdue_q())
    elif f.queue in QUEUES:
        qs = qs.filter(QUEUES[f.queue][1])
    if f.q:
        qs = qs.filter(Q(code__iexact=f.q.strip()) | Q(text__contains=f.q.strip()))
    return qs


def is_history(f: Filters) -> bool:
    return f.queue == "ended" or (f.status in ENDED_STATES)




def worklist(user, f: Filters, *, active_by_default: bool = False) -> QuerySet | NewestFirst | DeadlineFirst:
    """Sorted by deadline: earliest due first, then urgent, then by arrival; undated (new) ones after
    the dated. The open workload is read as a `DeadlineFirst`, the ended queue (history, which grows
    without bound) newest first as a `NewestFirst`; anything else (a filter mixing both) as one query."""
    from django.db.models import F

    qs = filtered(user, f, active_by_default=active_by_default).select_related("community", "grid", "handler")
    history, active = is_history(f), only_active(f, active_by_default=active_by_default)
    if history or active:
        everything = Demand.objects.all()
        branches = node_branches(user)
        narrowed = [filtered(None, f, active_by_default=active_by_default, base=everything.filter(b))
                    .select_related("community", "grid", "handler") for b in branches]
        if history:
            return NewestFirst(narrowed, count_qs=qs)
        counted = [filtered(None, f, active_by_default=active_by_default, base=everything.filter(b))
                   for b in disjoint(branches)]
        return DeadlineFirst(narrowed, count_parts=counted)
    return qs.order_by(F("due_at").asc(nulls_last=True), "-urgent", "received_at", "id")


HISTORY_DEPTH = 10_000  # the newest ended demands reachable by paging; older ones through filters


class NewestFirst:
    """A newest-first list over the union of several querysets, sliceable like a queryset (for
    paginators). Each branch (one node of the caller's scope, their handled ones, their own) walks its
    own (node, received_at) index in order and stops after the page, and the branches are merged here:
    a page of the history costs the same with ten thousand demands as with a million, where one query
    over the OR of the branches would gather and sort every row of the scope first."""

    def __init__(self, branches: list[QuerySet], *, count_qs: QuerySet):
        self.branches = [b.order_by("-received_at", "-id") for b in branches]
        self.count_qs = count_qs

    def count(self) -> int:
        """How many demands the branches hold together."""
        return self.count_qs.order_by().count()

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index:index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None or index.step not in (None, 1) or start < 0:
            raise ValueError("NewestFirst takes bounded slices")
        if stop <= start:
            return []
        runs = [list(b[:stop]) for b in self.branches]
        out, seen = [], set()
        for d in heapq.merge(*runs, key=lambda d: (d.received_at, d.pk), reverse=True):
            if d.pk not in seen:
                seen.add(d.pk)
                out.append(d)
                if len(out) == stop:
                    break
        return out[start:stop]


class DeadlineFirst:
    """The open workload in worklist order over the union of several querysets (one per branch of the
    caller's scope), sliceable like a queryset. Each branch walks its node's open-workload index
    (node, due_at, urgent, received_at) in order and stops after the page — the dated demands first,
    then the undated (not yet dispatched) — and the runs are merged here: the first page costs the same
    with a thousand open demands as with fifty thousand, where one query over the OR of the branches
    would sort every open demand of the scope first."""

    def __init__(self, branches: list[QuerySet], *, count_parts: list[QuerySet]):
        self.dated = [b.filter(due_at__isnull=False).order_by("due_at", "-urgent", "received_at", "id")
                      for b in branches]
        self.undated = [b.filter(due_at=None).order_by("-urgent", "received_at", "id") for b in branches]
        self.count_parts = count_parts    # disjoint, each on one node's index

    def count(self) -> int:
        return sum(p.order_by().count() for p in self.count_parts)

    def capped_count(self, cap: int) -> int:
        """How many, counting at most `cap` + 1 (a paginator's total over a huge workload)."""
        total = 0
        for p in self.count_parts:
            total += p.order_by()[: cap + 1 - total].count()
            if total > cap:
                break
        return total

    def __getitem__(self, index):
        if isinstance(index, int):
            return self[index:index + 1][0]
        start, stop = index.start or 0, index.stop
        if stop is None or index.step not in (None, 1) or start < 0:
            raise ValueError("DeadlineFirst takes bounded slices")
        if stop <= start:
            return []
        out: list[Demand] = []
        seen: set[int] = set()
        for runs, key in (
                (self.dated, lambda d: (d.due_at, not d.urgent, d.received_at, d.pk)),
                (self.undated, lambda d: (not d.urgent, d.received_at, d.pk))):
            # the undated are read only when the dated do not fill the page
            for d in heapq.merge(*[list(b[:stop]) for b in runs], key=key):
                if d.pk not in seen:
                    seen.add(d.pk)
                    out.append(d)
                    if len(out) == stop:
                        return out[start:stop]
        return out[start:stop]


def queue_counts(user) -> dict[str, int | None]:
    """Counts of the work queues, read from the active demands only (an index range on status), so the
    cost follows the open workload, not the history. The ended queue is not counted."""
    aggregates = {key: Count("id", filter=q) for key, (_label, q) in QUEUES.items() if key != "ended"}
    aggregates["overdue"] = Count("id", filter=overdue_q())
    # One count per disjoint branch of the scope: each reads only its node's open-workload index, where
    # one count over the OR of the branches would read the table rows.
    counts = dict.fromkeys(aggregates, 0)
    for branch in disjoint(node_branches(user)):
        part = (Demand.objects.filter(branch).filter(ACTIVE_TERM)
                .aggregate(**aggregates))
        for key, n in part.items():
            counts[key] += n or 0
    counts["ended"] = None
    return counts


def is_overdue(d: Demand, now=None) -> bool:
    now = now or timezone.now()
    if d.status not in WORK_STATES:
        return False
    return bool((d.due_at and d.due_at < now) or (d.contacted_at is None and d.contact_deadline and d.contact_deadline < now))


def public_events(d: Demand):
    return d.events.filter(public=True).order_by("at", "id")


def photo_stage(kind: str) -> str:
    """A photo's stage; rows from before stages existed (blank kind) show the problem, so count as before."""
    return PhotoStage.AFTER if kind == PhotoStage.AFTER else PhotoStage.BEFORE


def photo_groups(d: Demand) -> list[dict]:
    """The demand's photos grouped 处理前 / 处理后 (only the groups that have photos), oldest first. One query.
    Whoever calls this has already been allowed to see the demand; the files are served with the same check."""
    photos = list(d.attachments.order_by("created_at", "id"))
    groups = []
    for stage in (PhotoStage.BEFORE, PhotoStage.AFTER):
        items = [a for a in photos if photo_stage(a.kind) == stage]
        if items:
            groups.append({"stage": stage.value, "label": stage.label, "items": items})
    return groups
