"""Maintenance plans (domain.md §5): recurring duties over a community's facilities, who may be
given the work, and the tasks the plans generate ahead of their due dates (in each town's local time)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from minsheng.accounts.models import STAFF_ROLES, Role
from minsheng.core.errors import Conflict, InvalidInput
from minsheng.demands.models import Category
from minsheng.notifications.services import notify_users
from minsheng.territory.models import Community

from .models import (
    DEMAND_CATEGORY,
    Condition,
    Facility,
    FacilityEvent,
    Frequency,
    MaintenancePlan,
    MaintenanceTask,
)
from .registry import MAX_NOTE, _event, _require_manager, clean_text
from .schedules import Schedule, due_datetime, local_date

log = logging.getLogger("minsheng.facilities")
A = FacilityEvent.Action

# How far back the generator looks for occurrences it has not yet made tasks for (a stopped worker).
CATCH_UP_DAYS = 7
DEFAULT_LEAD_DAYS = {Frequency.DAILY: 1, Frequency.WEEKLY: 3, Frequency.MONTHLY: 7, Frequency.YEARLY: 30}


def assignee_choices(community: Community):
    """Users who may be given maintenance work in a community: its staff, grid workers and handlers
    (a contractor or a cleaner), and the town's."""
    return assignees_of([community])


def assignees_of(communities):
    """`assignee_choices` of several communities together (those who may work in any of them), in one
    query."""
    communities = list(communities)
    ids = [c.pk for c in communities]
    roles = set(STAFF_ROLES) | {Role.GRID_WORKER, Role.HANDLER}
    where = Q(memberships__community_id__in=ids) | Q(memberships__grid__community_id__in=ids) | Q(
        memberships__town_id__in=list({c.town_id for c in communities}))
    users = get_user_model().objects.filter(where & Q(memberships__role__in=roles)).values("pk")
    return get_user_model().objects.filter(pk__in=users, is_active=True).order_by("username")


def _user(username: str | None, community: Community):
    if not username:
        return None
    user = assignee_choices(community).filter(username=username).first()
    if user is None:
        raise InvalidInput(f"assignee: “{username}”不是本社区或本镇的工作人员、网格员或承办人", field="assignee")
    return user


@transaction.atomic
def create_plan(
    *, actor, community: Community, title: str, facilities: Iterable[Facility], frequency: str,
    due_time: time, weekday: int | None = None, day: int | None = None, month: int | None = None,
    grace_hours: int = 12, lead_days: int | None = None, assignee: str | None = None, category: str | None = None,
    instructions: str = "", starts_on: date | None = None, ends_on: date | None = None, check: bool = True,
) -> MaintenancePlan:
    if check:
        _require_manager(actor, community)
    title = clean_text(title, field="title", max_len=120, required=True)
    schedule = Schedule(frequency, weekday=weekday, day=day, month=month).validate()
    facilities = list(facilities)
    if not facilities:
        raise InvalidInput("facilities: 请至少选择一个设施", field="facilities")
    if any(f.community_id != community.pk for f in facilities):
        raise InvalidInput("facilities: 设施须属于该社区", field="facilities")
    if not isinstance(grace_hours, int) or not 0 <= grace_hours <= 24 * 31:
        raise InvalidInput("grace_hours: 须为 0 到 744 之间的整数", field="grace_hours")
    if lead_days is None:
        lead_days = DEFAULT_LEAD_DAYS[frequency]
    if not isinstance(lead_days, int) or not 0 <= lead_days <= 90:
        raise InvalidInput("lead_days: 须为 0 到 90 之间的整数", field="lead_days")
    category = category or DEMAND_CATEGORY.get(facilities[0].kind, "other")
    if category not in Category.values:
        raise InvalidInput(f"category: 未知分类 {category}", field="category")
    if MaintenancePlan.objects.filter(community=community, title=title).exists():
        raise Conflict(f"本社区已有名为“{title}”的维护计划")
    starts_on = starts_on or local_date(timezone.now(), community.town.time_zone)
    if ends_on is not None and ends_on < starts_on:
        raise InvalidInput("ends_on: 结束日期早于开始日期", field="ends_on")
    plan = MaintenancePlan.objects.create(
        town=community.town, community=community, title=title, frequency=schedule.frequency,
        weekday=schedule.weekday if frequency == Frequency.WEEKLY else None,
        day=schedule.day if frequency in (Frequency.MONTHLY, Frequency.YEARLY) else None,
        month=schedule.month if frequency == Frequency.YEARLY else None,
        due_time=due_time, grace_hours=grace_hours, lead_days=lead_days, assignee=_user(assignee, community),
        category=category, instructions=clean_text(instructions, field="instructions", max_len=MAX_NOTE),
        starts_on=starts_on, ends_on=ends_on, created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    plan.facilities.set(facilities)
    for f in facilities:
        _event(f, actor, A.UPDATED, note=f"纳入维护计划“{title}”（{schedule.describe()}）", data={"plan": plan.pk})
    return plan


def next_due(plan: MaintenancePlan, now: datetime | None = None) -> datetime | None:
    """The next due moment of the plan at or after `now` (None when it has ended or is paused)."""
    if not plan.active:
        return None
    now = now or timezone.now()
    tz = plan.town.time_zone
    today = local_date(now, tz)
    d = plan.schedule.next_on_or_after(max(today, plan.starts_on))
    if due_datetime(d, plan.due_time, tz) < now:
        d = plan.schedule.next_on_or_after(d + timedelta(days=1))
    if plan.ends_on and d > plan.ends_on:
        return None
    return due_datetime(d, plan.due_time, tz)


@dataclass
class Generated:
    created: int = 0
    plans: int = 0


def generate_tasks(now: datetime | None = None, *, plans=None) -> Generated:
    """Create the tasks of every active plan due from a few days back up to `lead_days` ahead, in each
    town's local time. Idempotent: an occurrence already made (plan, facility, date) is skipped."""
    now = now or timezone.now()
    result = Generated()
    qs = plans if plans is not None else MaintenancePlan.objects.filter(active=True)
    qs = qs.select_related("town", "community", "assignee").prefetch_related("facilities")
    for plan in qs:
        result.plans += 1
        tz = plan.town.time_zone
        today = local_date(now, tz)
        start = max(plan.starts_on, local_date(plan.created_at, tz), today - timedelta(days=CATCH_UP_DAYS))
        end = today + timedelta(days=plan.lead_days)
        if plan.ends_on:
            end = min(end, plan.ends_on)
        facilities = [f for f in plan.facilities.all() if f.condition != Condition.OUT_OF_SERVICE]
        wanted = []
        for d in plan.schedule.occurrences(start, end):
            due_at = due_datetime(d, plan.due_time, tz)
            if due_at < plan.created_at:
                continue  # the plan did not exist yet at that moment
            wanted.extend((d, due_at, f) for f in facilities)
        if not wanted:
            continue
        with transaction.atomic():
            existing = set(MaintenanceTask.objects.filter(plan=plan, due_on__gte=start, due_on__lte=end)
                           .values_list("facility_id", "due_on"))
            rows = [
                MaintenanceTask(plan=plan, facility=f, due_on=d, due_at=due_at,
                                miss_at=due_at + timedelta(hours=plan.grace_hours), assignee=plan.assignee)
                for d, due_at, f in wanted if (f.pk, d) not in existing
            ]
            # ignore_conflicts: another worker may be making the same occurrences at this moment.
            MaintenanceTask.objects.bulk_create(rows, ignore_conflicts=True)
            result.created += len(rows)
            if rows and plan.assignee_id:
                _notify_new_tasks(plan, rows)
    return result


def _notify_new_tasks(plan: MaintenancePlan, rows: list[MaintenanceTask]) -> None:
    first = min(r.due_at for r in rows)
    body = f"维护计划“{plan.title}”有 {len(rows)} 项新任务，最早于 {timezone.localtime(first):%m-%d %H:%M} 前完成。"

    def send():
        try:
            notify_users([plan.assignee], subject=f"维护任务：{plan.title}", body=body, link="/desk/facilities/tasks/")
        except Exception:
            log.exception("could not notify about tasks of plan %s", plan.pk)

    transaction.on_commit(send)


