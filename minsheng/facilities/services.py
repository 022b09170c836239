"""Every change to facilities and their maintenance: one function per action, each in a transaction,
each writing a FacilityEvent. Pages, the API, the project signal, the worker and the demo loader all
call these functions.

Who may do what:
- register/edit a facility, change its condition, add photos, make plans, assign tasks: staff of the
  facility's community or town (community_secretary, community_staff, town_admin);
- complete a task: its assignee, staff as above, or the grid worker of the facility's grid;
- report a facility broken: anyone (a demand is raised and the condition marked `broken`).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from minsheng.accounts import scope
from minsheng.accounts.models import STAFF_ROLES, TERRITORIAL_ROLES, Role
from minsheng.accounts.selectors import covers
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.territory.models import Community, Grid, Place

from .models import (
    DEFAULT_UNIT,
    DEMAND_CATEGORY,
    Condition,
    Facility,
    FacilityEvent,
    FacilityPhoto,
    Frequency,
    Kind,
    MaintenancePlan,
    MaintenanceTask,
    TaskStatus,
)
from .schedules import Schedule, due_datetime, local_date

log = logging.getLogger("minsheng.facilities")
A = FacilityEvent.Action

MAX_NAME = 100
MAX_NOTE = 2000
MAX_PHOTOS_PER_UPLOAD = 9
# How far back the generator looks for occurrences it has not yet made tasks for (a stopped worker).
CATCH_UP_DAYS = 7
DEFAULT_LEAD_DAYS = {Frequency.DAILY: 1, Frequency.WEEKLY: 3, Frequency.MONTHLY: 7, Frequency.YEARLY: 30}


# ---------------------------------------------------------------------------------------------
# Helpers


def actor_label(actor) -> str:
    """Who did it, for the history: a user's name; "居民" for an anonymous caller; "系统" when no caller
    (the worker, an import, the demo loader)."""
    if actor is None:
        return "系统"
    if not getattr(actor, "is_authenticated", False):
        return "居民"
    return actor.get_full_name() or actor.username


def _event(facility: Facility, actor, action: str, *, note: str = "", from_condition: str = "",
           to_condition: str = "", project_id: int | None = None, task: MaintenanceTask | None = None,
           demand_code: str = "", data: dict | None = None, at: datetime | None = None,
           label: str | None = None) -> FacilityEvent:
    return FacilityEvent.objects.create(
        facility=facility, at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=label or actor_label(actor), action=action, from_condition=from_condition,
        to_condition=to_condition, note=note, project_id=project_id, task=task, demand_code=demand_code,
        data=data or {},
    )


def is_manager(actor, facility_or_community) -> bool:
    """Staff of the community (or its town) may manage its facilities and plans."""
    if isinstance(facility_or_community, Community):
        c = facility_or_community
        return covers(actor, town_id=c.town_id, community_id=c.pk, role_set=STAFF_ROLES)
    f = facility_or_community
    return covers(actor, town_id=f.town_id, community_id=f.community_id, grid_id=f.grid_id, role_set=STAFF_ROLES)


def _require_manager(actor, obj) -> None:
    if not getattr(actor, "is_authenticated", False) or not actor.is_active or not is_manager(actor, obj):
        raise NotAllowed("无权管理该社区的设施")


def clean_text(value: str | None, *, field: str, max_len: int, required: bool = False) -> str:
    from minsheng.demands.rules import clean_text as _clean

    return _clean(value, field=field, max_len=max_len, required=required)


def clean_quantity(value) -> Decimal:
    try:
        q = Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        raise InvalidInput("quantity: 须为数字", field="quantity") from None
    if not q.is_finite() or q < 0 or q >= Decimal("100000000"):
        raise InvalidInput("quantity: 须为 0 到 1 亿之间的数", field="quantity")
    return q.quantize(Decimal("0.01"))


def clean_kind(kind: str | None) -> str:
    if kind in Kind.values:
        return kind
    for value, label in Kind.choices:
        if kind == str(label):
            return value
    raise InvalidInput(f"kind: 未知设施类型“{kind}”，可选 {', '.join(Kind.values)}", field="kind")


def clean_condition(condition: str | None) -> str:
    if condition in Condition.values:
        return condition
    for value, label in Condition.choices:
        if condition == str(label):
            return value
    raise InvalidInput(f"condition: 须为 {'/'.join(Condition.values)}", field="condition")


def lock(facility: Facility | int) -> Facility:
    pk = facility.pk if isinstance(facility, Facility) else facility
    f = Facility.objects.select_for_update().filter(pk=pk).first()
    if f is None:
        raise NotFound(f"没有编号为 {pk} 的设施")
    return f


# ---------------------------------------------------------------------------------------------
# Register


@transaction.atomic
def register_facility(
    *, actor, community: Community, name: str, kind: str, quantity=1, unit: str = "", place: Place | None = None,
    grid: Grid | None = None, parent: Facility | None = None, condition: str = Condition.GOOD,
    description: str = "", in_service_since: date | None = None, check: bool = True, note: str = "",
    at: datetime | None = None,
) -> Facility:
    """Add a facility (or a component of one) to the register."""
    if check:
        _require_manager(actor, community)
    name = clean_text(name, field="name", max_len=MAX_NAME, required=True)
    kind = clean_kind(kind)
    condition = clean_condition(condition)
    quantity = clean_quantity(quantity)
    unit = clean_text(unit, field="unit", max_len=12) or DEFAULT_UNIT.get(kind, "个")
    description = clean_text(description, field="description", max_len=MAX_NOTE)
    if place is not None and place.community_id != community.pk:
        raise InvalidInput("place: 地点不属于该社区", field="place")
    if grid is None and place is not None:
        grid = place.grid
    if grid is not None and grid.community_id != community.pk:
        raise InvalidInput("grid: 网格不属于该社区", field="grid")
    if parent is not None:
        if parent.community_id != community.pk:
            raise InvalidInput("parent: 所属设施不在该社区", field="parent")
        if parent.parent_id is not None:
            raise InvalidInput("parent: 部件不能再有部件", field="parent")
        place = place or parent.place
        grid = grid or parent.grid
    siblings = Facility.objects.filter(parent=parent) if parent else Facility.objects.filter(
        community=community, parent=None)
    if siblings.filter(name=name).exists():
        raise Conflict(f"“{name}”已在设施登记中")
    now = at or timezone.now()
    f = Facility.objects.create(
        town=community.town, community=community, grid=grid, place=place, parent=parent, name=name, kind=kind,
        quantity=quantity, unit=unit, condition=condition, condition_at=now, description=description,
        in_service_since=in_service_since,
    )
    _event(f, actor, A.REGISTERED, note=note or f"登记 {f.quantity_display}{unit}", to_condition=condition, at=now)
    if parent is not None:
        _event(parent, actor, A.COMPONENT, note=f"增加部件：{name} {f.quantity_display}{unit}", at=now,
               data={"component": f.pk})
    return f


@transaction.atomic
def set_condition(facility, actor, *, condition: str, note: str = "", check: bool = True,
                  task: MaintenanceTask | None = None, demand_code: str = "") -> Facility:
    f = lock(facility)
    if check:
        _require_manager(actor, f)
    condition = clean_condition(condition)
    note = clean_text(note, field="note", max_len=MAX_NOTE)
    if condition == f.condition and not note:
        return f
    before = f.condition
    f.condition = condition
    f.condition_at = timezone.now()
    f.version += 1
    f.save(update_fields=["condition", "condition_at", "version", "updated_at"])
    _event(f, actor, A.CONDITION, note=note, from_condition=before, to_condition=condition, task=task,
           demand_code=demand_code)
    return f


def _store_photo(facility: Facility, actor, upload, *, task: MaintenanceTask | None = None,
                 caption: str = "") -> FacilityPhoto:
    from django.core.files.base import ContentFile

    from minsheng.demands.services import clean_photo

    data, content_type, ext = clean_photo(upload)
    name = f"{secrets.token_hex(8)}.{ext}"
    photo = FacilityPhoto(facility=facility, task=task, stored_name=name, content_type=content_type, size=len(data),
                          caption=caption[:120],
                          uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
    photo.file.save(name, ContentFile(data), save=False)
    photo.save()
    return photo


@transaction.atomic
def add_photo(facility, actor, upload, *, caption: str = "") -> FacilityPhoto:
    f = lock(facility)
    _require_manager(actor, f)
    photo = _store_photo(f, actor, upload, caption=clean_text(caption, field="caption", max_len=120))
    _event(f, actor, A.PHOTO, note=caption or "上传照片", data={"photo": photo.pk})
    return photo


# ---------------------------------------------------------------------------------------------
# Reports: anyone may say a facility is broken; that raises a linked demand.


def _report_channel(actor) -> str:
    from minsheng.accounts.selectors import has_role

    if getattr(actor, "is_authenticated", False) and has_role(actor, TERRITORIAL_ROLES):
        return "visit"
    return "online"


@transaction.atomic
def report_broken(facility, actor=None, *, note: str = "", reporter_name: str = "", reporter_phone: str = "",
                  photo=None) -> tuple[Facility, object, str]:
    """Mark the facility broken and register a demand linked to it (source_ref facility:ID).
    Returns (facility, demand, tracking token)."""
    from minsheng.accounts.selectors import is_staff_member
    from minsheng.demands.services import add_attachment, register

    note = clean_text(note, field="note", max_len=500)
    f = lock(facility)
    f = Facility.objects.select_related("community", "place", "grid").get(pk=f.pk)
    where = f.place.name if f.place_id else f.name
    text = f"{f.name}损坏" + (f"：{note}" if note else "，请派人维修")
    is_resident = getattr(actor, "is_authenticated", False) and not is_staff_member(actor)
    demand, token = register(
        text=text, channel=_report_channel(actor), actor=actor, community=f.community, grid=f.grid,
        place_text=where, reporter_name=reporter_name, reporter_phone=reporter_phone,
        reporter_user=actor if is_resident else None, source_ref=f"facility:{f.pk}",
        category=DEMAND_CATEGORY.get(f.kind, "other"),
    )
    before = f.condition
    if before != Condition.BROKEN:
        f.condition = Condition.BROKEN
        f.condition_at = timezone.now()
        f.version += 1
        f.save(update_fields=["condition", "condition_at", "version", "updated_at"])
    _event(f, actor, A.REPORT, note=note or "报修", from_condition=before, to_condition=Condition.BROKEN,
           demand_code=demand.code, label=None if getattr(actor, "is_authenticated", False) else "居民")
    if photo is not None:
        add_attachment(demand, actor, photo, by_reporter=True)
    return f, demand, token


# ---------------------------------------------------------------------------------------------
# Maintenance plans and tasks


def assignee_choices(community: Community):
    """Users who may be given maintenance work in a community: its staff, grid workers and handlers
    (a contractor or a cleaner), and the town's."""
    return assignees_of([community])


def assignees_of(communities):
    """`assignee_choices` of several communities together (those who may work in any of them), in one
    query."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

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
    from minsheng.demands.models import Category

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
        from minsheng.notifications.services import notify_users

        try:
            notify_users([plan.assignee], subject=f"维护任务：{plan.title}", body=body, link="/desk/facilities/tasks/")
        except Exception:
            log.exception("could not notify about tasks of plan %s", plan.pk)

    transaction.on_commit(send)


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


def _missed_text(t: MaintenanceTask) -> str:
    due = t.due_at.astimezone(ZoneInfo(t.facility.town.time_zone))
    who = (t.assignee.get_full_name() or t.assignee.username) if t.assignee_id else "未指定负责人"
    return (f"维护任务逾期未完成：{t.plan.title}（{t.facility.name}），应于 {due:%Y-%m-%d %H:%M} 前完成，"
            f"负责人：{who}。请核实并督促落实。")


def raise_missed(now: datetime | None = None, *, limit: int = 500) -> int:
    """Each pending task past its due time plus grace becomes `missed` and raises exactly one demand
    (channel referral 上级交办, source_ref task:ID). Safe with several workers at once."""
    from minsheng.demands.models import Demand
    from minsheng.demands.services import register

    now = now or timezone.now()
    ids = list(MaintenanceTask.objects.filter(status=TaskStatus.PENDING, miss_at__lt=now)
               .order_by("miss_at").values_list("pk", flat=True)[:limit])
    raised = 0
    for pk in ids:
        with transaction.atomic():
            # The conditional update is the claim: only one worker turns the task to missed.
            if not MaintenanceTask.objects.filter(pk=pk, status=TaskStatus.PENDING, missed_at=None).update(
                    status=TaskStatus.MISSED, missed_at=now):
                continue
            t = MaintenanceTask.objects.select_related("facility__town", "facility__community", "facility__grid",
                                                       "facility__place", "plan", "assignee").get(pk=pk)
            ref = f"task:{t.pk}"
            demand = Demand.objects.filter(source_ref=ref).first()
            if demand is None:
                f = t.facility
                demand, _token = register(
                    text=_missed_text(t), channel="referral", community=f.community, grid=f.grid,
                    place_text=f.place.name if f.place_id else f.name, source_ref=ref, category=t.plan.category,
                    urgent=False, kind="complaint", run_triage=False, actor_label="系统（维护计划）",
                )
                raised += 1
            MaintenanceTask.objects.filter(pk=pk).update(demand_code=demand.code)
            _event(t.facility, None, A.MISSED, task=t, demand_code=demand.code, label="系统",
                   note=f"{t.plan.title}（{t.due_on:%Y-%m-%d}）逾期未完成，已生成诉求 {demand.code}")
    return raised


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
