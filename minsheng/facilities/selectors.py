"""Reads of facilities and maintenance, in a fixed number of queries, narrowed to the caller's scope."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, Count, IntegerField, Prefetch, Q, QuerySet, When
from django.utils import timezone

from minsheng.accounts.models import TERRITORIAL_ROLES, Role
from minsheng.accounts.selectors import scope_q, visible
from minsheng.core.errors import NotFound

from .models import Facility, FacilityProject, MaintenancePlan, MaintenanceTask, TaskStatus
from .services import next_due


def _with_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related("community", "place", "grid", "parent", "town").prefetch_related(
        Prefetch("plans", queryset=MaintenancePlan.objects.filter(active=True).select_related("town")
                 .order_by("id")),
        Prefetch("project_links", queryset=FacilityProject.objects.order_by("at", "id")),
    )


def public_facilities(*, community: str | None = None, kind: str | None = None) -> QuerySet:
    """Every facility (public: no personal data is held on facilities)."""
    qs = Facility.objects.all()
    if community:
        qs = qs.filter(community__name=community)
    if kind:
        qs = qs.filter(kind=kind)
    return _with_relations(qs).order_by("community__name", "parent_id", "name", "id")


def maintenance_of(f: Facility, now: datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    out = []
    for p in f.plans.all():
        due = next_due(p, now)
        out.append({"plan": p.title, "frequency": p.frequency, "schedule": p.schedule.describe(),
                    "schedule_label": p.schedule.label(),
                    "next_due": due})
    return out


def public_row(f: Facility, now: datetime | None = None) -> dict:
    return {
        "id": f.pk, "name": f.name, "kind": f.kind, "kind_name": str(f.get_kind_display()),
        "community": f.community.name, "place": f.place.name if f.place_id else None,
        "parent": f.parent.name if f.parent_id else None, "quantity": float(f.quantity), "unit": f.unit,
        "condition": f.condition, "condition_name": str(f.get_condition_display()),
        "maintenance": maintenance_of(f, now),
        "projects": [{"id": link.project_id, "title": link.title, "role": link.role}
                     for link in f.project_links.all()],
    }


def visible_facilities(user) -> QuerySet:
    return visible(user, Facility.objects.all(), role_set=TERRITORIAL_ROLES | {Role.HANDLER})


def staff_list(user, *, community: str | None = None, kind: str | None = None, condition: str | None = None,
               q: str | None = None) -> QuerySet:
    qs = visible_facilities(user)
    if community:
        qs = qs.filter(community__name=community)
    if kind:
        qs = qs.filter(kind=kind)
    if condition:
        qs = qs.filter(condition=condition)
    if q:
        qs = qs.filter(Q(name__contains=q.strip()) | Q(place__name__contains=q.strip()))
    return _with_relations(qs).annotate(
        open_tasks=Count("tasks", filter=Q(tasks__status=TaskStatus.PENDING), distinct=True),
        missed_tasks=Count("tasks", filter=Q(tasks__status=TaskStatus.MISSED), distinct=True),
    ).order_by("community__name", "parent_id", "name", "id")


def get_visible(user, pk: int) -> Facility:
    f = _with_relations(visible_facilities(user)).filter(pk=pk).first()
    if f is None:
        raise NotFound(f"没有编号为 {pk} 的设施，或您无权查看")
    return f


def get_public(pk: int) -> Facility:
    f = Facility.objects.select_related("community", "place").filter(pk=pk).first()
    if f is None:
        raise NotFound(f"没有编号为 {pk} 的设施")
    return f


def visible_tasks(user) -> QuerySet:
    """Tasks in the caller's territory, and tasks assigned to the caller anywhere."""
    q = scope_q(user, MaintenanceTask)
    qs = MaintenanceTask.objects.all()
    if q is not None:
        qs = qs.filter(q | Q(assignee_id=user.pk))
    return qs


def task_list(user, *, mine: bool = False, status: str | None = None) -> QuerySet:
    qs = visible_tasks(user)
    if mine:
        qs = qs.filter(assignee_id=user.pk)
    if status:
        qs = qs.filter(status=status)
    # Missed first, then what is still to do, then what is done; earliest due first within each.
    rank = Case(When(status=TaskStatus.MISSED, then=0), When(status=TaskStatus.PENDING, then=1), default=2,
                output_field=IntegerField())
    return qs.select_related("plan", "facility__community", "facility__place", "assignee").order_by(
        rank, "due_at", "id")


def get_task(user, pk: int) -> MaintenanceTask:
    t = visible_tasks(user).select_related("plan", "facility__community", "facility__town", "facility__grid",
                                           "assignee", "done_by").filter(pk=pk).first()
    if t is None:
        raise NotFound(f"没有编号为 {pk} 的维护任务，或您无权查看")
    return t


def visible_plans(user) -> QuerySet:
    return visible(user, MaintenancePlan.objects.all(), role_set=TERRITORIAL_ROLES).select_related(
        "community", "town", "assignee").prefetch_related("facilities")
