"""Every change to facilities and their maintenance, the public entry: callers import from here.
One function per action, each in a transaction, each writing a FacilityEvent. Pages, the API, the
project signal, the worker and the demo loader all call these functions.

Here: photos, maintenance tasks, and the facilities a micro-project builds (`record_project`).
Elsewhere, re-exported below: the register, condition changes and who manages (`registry`),
maintenance plans and task generation (`plans`), demands raised about facilities (`reports`).

Who may do what:
- register/edit a facility, change its condition, add photos, make plans, assign tasks: staff of the
  facility's community or town (community_secretary, community_staff, town_admin);
- complete a task: its assignee, staff as above, or the grid worker of the facility's grid;
- report a facility broken: anyone (a demand is raised and the condition marked `broken`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from minsheng.accounts import scope
from minsheng.attachments import services as attachments
from minsheng.attachments.models import Attachment
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.territory.models import Place

from .models import (
    Facility,
    FacilityEvent,
    Kind,
    MaintenancePlan,
    MaintenanceTask,
    TaskStatus,
)
from .plans import (
    CATCH_UP_DAYS,
    DEFAULT_LEAD_DAYS,
    Generated,
    _user,
    assignee_choices,
    assignees_of,
    create_plan,
    generate_tasks,
    next_due,
)
from .registry import (
    MAX_NAME,
    MAX_NOTE,
    _event,
    _require_manager,
    actor_label,
    clean_condition,
    clean_kind,
    clean_text,
    is_manager,
    lock,
    register_facility,
    set_condition,
)
from .reports import raise_missed, report_broken
from .schedules import due_datetime

# Re-exported so that callers keep one entry point.
__all__ = [
    "CATCH_UP_DAYS", "DEFAULT_LEAD_DAYS", "Generated", "MAX_NAME", "actor_label", "assignee_choices",
    "assignees_of", "clean_kind", "create_plan", "generate_tasks", "next_due", "raise_missed",
    "register_facility", "report_broken",
]

A = FacilityEvent.Action

MAX_PHOTOS_PER_UPLOAD = 9


# ---------------------------------------------------------------------------------------------
# Photos


def _store_photo(facility: Facility, actor, upload, *, task: MaintenanceTask | None = None,
                 caption: str = "") -> Attachment:
    return attachments.add_photo(facility, upload, actor=actor, part=task, caption=caption)


@transaction.atomic
def add_photo(facility, actor, upload, *, caption: str = "") -> Attachment:
    f = lock(facility)
    _require_manager(actor, f)
    photo = _store_photo(f, actor, upload, caption=clean_text(caption, field="caption", max_len=120))
    _event(f, actor, A.PHOTO, note=caption or "上传照片", data={"photo": photo.pk})
    return photo




# ---------------------------------------------------------------------------------------------
# Maintenance tasks


def may_complete(actor, task: MaintenanceTask) -> bool:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    f = task.facility
    return (
        task.assignee_id == actor.pk
        or is_manager(actor, f)
        or scope.reaches(actor, {"town": f.town_id, "community": None, "grid": f.grid_id}, "complete_task")
    )


def _lock_task(task) -> MaintenanceTask:
    pk = task.pk if isinstance(task, MaintenanceTask) else task
    t = MaintenanceTask.objects.select_for_update().filter(pk=pk).first()
    if t is None:
        raise NotFound(f"没有编号为 {pk} 的维护任务")
    return MaintenanceTask.objects.select_related("facility", "plan").get(pk=t.pk)


@transaction.atomic
def complete_task(task, actor, *, notes: str = "", photos: Iterable = (), condition: str | None = None,
                  at: datetime | None = None) -> MaintenanceTask:
    """Record a task as done, with notes and photos (and optionally the condition found)."""
    t = _lock_task(task)
    if not may_complete(actor, t):
        raise NotAllowed("只有任务负责人、本社区工作人员或本网格网格员可以完成该任务")
    if t.status == TaskStatus.DONE:
        raise Conflict("该任务已完成")
    notes = clean_text(notes, field="notes", max_len=MAX_NOTE)
    photos = list(photos)
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        raise InvalidInput(f"photos: 一次最多 {MAX_PHOTOS_PER_UPLOAD} 张", field="photos")
    if condition:
        condition = clean_condition(condition)
    now = at or timezone.now()
    late = t.status == TaskStatus.MISSED
    t.status = TaskStatus.DONE
    t.done_at = now
    t.done_by = actor
    t.notes = notes
    t.save(update_fields=["status", "done_at", "done_by", "notes"])
    stored = [_store_photo(t.facility, actor, p, task=t) for p in photos]
    _event(t.facility, actor, A.MAINTENANCE, task=t, at=now,
           note=f"{t.plan.title}（{t.due_on:%Y-%m-%d}）{'逾期后' if late else ''}完成" + (f"：{notes}" if notes else ""),
           data={"photos": [p.pk for p in stored], "late": late})
    if condition and condition != t.facility.condition:
        set_condition(t.facility, actor, condition=condition, note=f"维护检查：{t.plan.title}", check=False, task=t)
    return t


@transaction.atomic
def record_done_occurrence(plan: MaintenancePlan, facility: Facility, due_on: date, actor, *, notes: str = "",
                           at: datetime | None = None) -> MaintenanceTask:
    """Record a past occurrence of a plan as done (history kept on paper before the plan was entered).
    Idempotent: an occurrence already on record is returned unchanged."""
    existing = MaintenanceTask.objects.filter(plan=plan, facility=facility, due_on=due_on).first()
    if existing is not None:
        return existing
    if not plan.schedule.occurs_on(due_on):
        raise InvalidInput(f"due_on: {due_on:%Y-%m-%d} 不是该计划的日期（{plan.schedule.describe()}）", field="due_on")
    if facility.pk not in {f.pk for f in plan.facilities.all()}:
        raise InvalidInput("facility: 设施不在该计划中", field="facility")
    due_at = due_datetime(due_on, plan.due_time, plan.town.time_zone)
    task = MaintenanceTask.objects.create(plan=plan, facility=facility, due_on=due_on, due_at=due_at,
                                          miss_at=due_at + timedelta(hours=plan.grace_hours), assignee=actor)
    return complete_task(task, actor, notes=notes, at=at)


@transaction.atomic
def assign_task(task, actor, *, assignee: str) -> MaintenanceTask:
    t = _lock_task(task)
    _require_manager(actor, t.facility)
    if t.status == TaskStatus.DONE:
        raise Conflict("该任务已完成")
    user = _user(assignee, t.facility.community)
    t.assignee = user
    t.save(update_fields=["assignee"])
    return t



# ---------------------------------------------------------------------------------------------
# Names on the register (from_projects.py and the demo agree on them)

# A place whose own kind is the facility (塘坊排涝站 is the station): the facility takes its name.
PLACE_KINDS = {
    "toilet": Kind.PUBLIC_TOILET, "drainage_station": Kind.DRAINAGE_STATION, "fitness": Kind.FITNESS_POINT,
    "parking": Kind.PARKING_LOT, "court": Kind.COURT,
}


def facility_name(place: Place | None, kind: str, fallback: str = "") -> str:
    """The register's name for a facility of `kind` at `place` (the demo and from_projects agree on it)."""
    if place is None:
        return fallback or str(Kind(kind).label)
    if PLACE_KINDS.get(place.kind) == kind:
        return place.name
    label = fallback or str(Kind(kind).label)
    return label if label.startswith(place.name) else f"{place.name}{label}"
