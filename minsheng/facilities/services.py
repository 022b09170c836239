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
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minsheng.accounts.models import Role
from minsheng.accounts.selectors import covers
from minsheng.attachments import services as attachments
from minsheng.attachments.models import Attachment
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.territory.models import Community, Place

from .models import (
    COMPONENT_PARENTS,
    DEFAULT_UNIT,
    Condition,
    Facility,
    FacilityEvent,
    FacilityProject,
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
    clean_quantity,
    clean_text,
    is_manager,
    lock,
    register_facility,
    set_condition,
)
from .reports import raise_missed, report_broken
from .schedules import due_datetime, local_date

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
        or covers(actor, town_id=f.town_id, community_id=None, grid_id=f.grid_id, role_set={Role.GRID_WORKER})
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
# Projects entering service (the project_in_service signal)

# Words in a project's title or items → the kind of facility. Earlier entries win.
KIND_WORDS: list[tuple[str, tuple[str, ...]]] = [
    (Kind.DRAINAGE_STATION, ("排涝站", "泵站")),
    (Kind.ELECTRIC_CABINET, ("电柜", "配电柜", "控制柜")),
    (Kind.PUMP, ("泵",)),
    (Kind.SURFACE, ("塑胶地面", "塑胶场地", "塑胶跑道", "塑胶")),
    (Kind.FITNESS_EQUIPMENT, ("健身器材", "器材")),
    (Kind.FITNESS_POINT, ("健身点", "健身路径", "健身")),
    (Kind.PUBLIC_TOILET, ("公厕", "厕所", "卫生间")),
    (Kind.CHARGING_SHED, ("充电",)),
    (Kind.PARKING_LOT, ("停车场", "车位", "停车")),
    (Kind.COURT, ("篮球场", "球场")),
    (Kind.STREET_TREES, ("行道树", "乔木")),
    (Kind.CLINIC_ROOM, ("门诊室", "留观室", "输液室", "诊室")),
    (Kind.DRYING_RACKS, ("晾衣架",)),
    (Kind.BENCHES, ("座椅", "休闲椅", "长椅", "坐凳")),
    (Kind.SEWER, ("污水管", "下水道", "管道")),
]
# Hints other apps may send besides the kind codes.
KIND_HINTS = {
    "toilet": Kind.PUBLIC_TOILET, "fitness": Kind.FITNESS_POINT, "fitness_path": Kind.FITNESS_POINT,
    "drainage": Kind.DRAINAGE_STATION, "parking": Kind.PARKING_LOT, "charging": Kind.CHARGING_SHED,
    "ebike_shed": Kind.CHARGING_SHED, "basketball_court": Kind.COURT, "trees": Kind.STREET_TREES,
    "clinic": Kind.CLINIC_ROOM, "racks": Kind.DRYING_RACKS, "bench": Kind.BENCHES, "sewer_pipes": Kind.SEWER,
}
# A place whose own kind is the facility (塘坊排涝站 is the station): the facility takes its name.
PLACE_KINDS = {
    "toilet": Kind.PUBLIC_TOILET, "drainage_station": Kind.DRAINAGE_STATION, "fitness": Kind.FITNESS_POINT,
    "parking": Kind.PARKING_LOT, "court": Kind.COURT,
}
# Kinds where each item is its own facility (the clinic's 门诊室, 留观室, 输液室).
ITEMIZED_KINDS = {Kind.CLINIC_ROOM}
ADDING_WORDS = ("新增", "增加", "增装", "加装", "新建", "新装", "添置")


def infer_kind(text: str | None) -> str | None:
    text = text or ""
    for kind, words in KIND_WORDS:
        if any(w in text for w in words):
            return kind
    return None


def normalise_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    hint = hint.strip()
    if hint in Kind.values:
        return hint
    return KIND_HINTS.get(hint) or infer_kind(hint)


def facility_name(place: Place | None, kind: str, fallback: str = "") -> str:
    """The register's name for a facility of `kind` at `place` (the demo and the signal agree on it)."""
    if place is None:
        return fallback or str(Kind(kind).label)
    if PLACE_KINDS.get(place.kind) == kind:
        return place.name
    label = fallback or str(Kind(kind).label)
    return label if label.startswith(place.name) else f"{place.name}{label}"


def _item_quantity(item: dict) -> Decimal:
    try:
        return clean_quantity(item.get("quantity", 1) or 1)
    except InvalidInput:
        return Decimal("1")


def _link(f: Facility, project_id: int, title: str, role: str, at: datetime) -> None:
    FacilityProject.objects.get_or_create(facility=f, project_id=project_id,
                                          defaults={"title": title[:200], "role": role, "at": at})


@transaction.atomic
def record_project(*, project_id: int, title: str, community_id: int, place_id: int | None = None,
                   kind: str = "works", items: list[dict] | None = None, facility_kind: str | None = None,
                   **_ignored) -> list[Facility]:
    """Create or update the facilities a micro-project built, and link them to it. Idempotent: a project
    already recorded changes nothing. Returns the facilities touched (empty when it built none).

    Rules: the kind comes from the hint, else the title, else the first item that names one. Items are
    grouped by the kind they name; each group is one facility at the project's place (the clinic's rooms
    are one facility each). A new facility counts the group's items; an existing one is marked improved
    and grows only by items worded as additions (新增/增加/增装…). Components (pumps, electric cabinets,
    a rubber surface) become parts of the station or fitness point at that place."""
    if Facility.objects.filter(project_links__project_id=project_id).exists():
        return list(Facility.objects.filter(project_links__project_id=project_id).distinct())
    items = [i for i in (items or []) if isinstance(i, dict) and str(i.get("name", "")).strip()]
    main_kind = normalise_hint(facility_kind) or infer_kind(title) or next(
        (k for k in (infer_kind(i["name"]) for i in items) if k), None)
    if main_kind is None:
        return []  # a service (a lecture, a clean-up) builds no facility
    community = Community.objects.select_related("town").get(pk=community_id)
    place = Place.objects.select_related("grid").filter(pk=place_id, community=community).first() if place_id else None
    now = timezone.now()
    today = local_date(now, community.town.time_zone)
    label = f"项目“{title}”投用"

    groups: dict[str, list[dict]] = {}
    for item in items:
        k = infer_kind(item["name"]) or main_kind
        if k == Kind.FITNESS_EQUIPMENT and main_kind == Kind.FITNESS_POINT:
            k = main_kind  # a fitness point is counted in its pieces of equipment
        groups.setdefault(k, []).append(item)

    touched: list[Facility] = []
    parents: dict[str, Facility] = {}
    leftovers: list[dict] = []  # component items with no station or fitness point to belong to

    def describe(its: list[dict]) -> str:
        return "、".join(f"{i['name']}{_item_quantity(i).normalize():f}{i.get('unit') or ''}" for i in its)

    def top_level(k: str, item_name: str = "") -> tuple[Facility, bool]:
        name = facility_name(place, k, item_name if k in ITEMIZED_KINDS else "")
        qs = Facility.objects.filter(community=community, parent=None)
        found = None
        if place is not None and k not in ITEMIZED_KINDS:
            found = qs.filter(kind=k, place=place).order_by("id").first()
        found = found or qs.filter(name=name).first()
        if found is not None:
            return lock(found), False
        f = register_facility(actor=None, community=community, name=name, kind=k, quantity=0, place=place,
                              in_service_since=today, check=False, note=label, at=now)
        return f, True

    def built(f: Facility, created: bool, its: list[dict], k: str) -> None:
        if created:
            f.quantity = sum((_item_quantity(i) for i in its), Decimal(0)) or Decimal(1)
            units = {str(i.get("unit") or "").strip()[:12] for i in its} - {""}
            f.unit = units.pop() if len(units) == 1 else DEFAULT_UNIT.get(k, "个")
        else:
            f.quantity += sum((_item_quantity(i) for i in its if _adds(i)), Decimal(0))
        before = f.condition
        f.condition, f.condition_at = Condition.GOOD, now
        f.in_service_since = f.in_service_since or today
        f.version += 1
        f.save()
        _link(f, project_id, title, FacilityProject.Role.BUILT if created else FacilityProject.Role.IMPROVED, now)
        what = describe(its)
        _event(f, None, A.PROJECT, note=label + (f"：{what}" if what else ""), project_id=project_id,
               from_condition=before, to_condition=Condition.GOOD, label="微实事项目", at=now)
        touched.append(f)

    # Whole facilities first (the main kind first), then components.
    order = [main_kind] + [k for k in groups if k != main_kind]
    for k in order:
        if k in COMPONENT_PARENTS:
            continue
        group = groups.get(k, [])
        if k in ITEMIZED_KINDS and group:
            for item in group:
                f, created = top_level(k, item["name"])
                built(f, created, [item], k)
        else:
            f, created = top_level(k)
            built(f, created, group, k)
            parents.setdefault(k, f)

    for k in order:
        if k not in COMPONENT_PARENTS:
            continue
        parent = _component_parent(k, parents, community, place, main_kind, top_level, built)
        if parent is None:
            leftovers.extend(groups.get(k, []))
            continue
        for item in groups.get(k, []) or [{"name": str(Kind(k).label), "quantity": 1}]:
            name = _strip_adding(item["name"])[:MAX_NAME]
            quantity = _item_quantity(item)
            unit = str(item.get("unit") or "").strip()[:12] or DEFAULT_UNIT.get(k, "个")
            comp = Facility.objects.select_for_update().filter(parent=parent, name=name).first()
            if comp is None:
                comp = register_facility(actor=None, community=community, name=name, kind=k, quantity=quantity,
                                         unit=unit, parent=parent, in_service_since=today, check=False,
                                         note=label, at=now)
                role = FacilityProject.Role.BUILT
            else:
                before = comp.condition
                if _adds(item):
                    comp.quantity += quantity
                comp.condition, comp.condition_at = Condition.GOOD, now
                comp.version += 1
                comp.save()
                _event(comp, None, A.PROJECT, note=label, project_id=project_id, from_condition=before,
                       to_condition=Condition.GOOD, label="微实事项目", at=now)
                role = FacilityProject.Role.IMPROVED
            _link(comp, project_id, title, role, now)
            touched.append(comp)
    if leftovers and touched:
        _event(touched[0], None, A.PROJECT, note=f"{label}，另含：{describe(leftovers)}", project_id=project_id,
               label="微实事项目", at=now)
    return touched


def _adds(item: dict) -> bool:
    return any(w in item["name"] for w in ADDING_WORDS)


def _strip_adding(name: str) -> str:
    for w in ADDING_WORDS:
        if name.startswith(w) and len(name) > len(w):
            return name[len(w):].lstrip("一只台个件")
    return name


def _component_parent(k, parents, community, place, main_kind, top_level, built) -> Facility | None:
    """The station or fitness point a component belongs to: one this project touched, else one at the
    place, else (when the project is only about components) a new one at the place."""
    allowed = COMPONENT_PARENTS[k]
    for p in allowed:
        if p in parents:
            return parents[p]
    if place is not None:
        found = Facility.objects.filter(community=community, place=place, parent=None, kind__in=allowed).first()
        if found is not None:
            found = lock(found)
            built(found, False, [], found.kind)
            parents[found.kind] = found
            return found
        if main_kind in COMPONENT_PARENTS:
            parent_kind = PLACE_KINDS.get(place.kind) if PLACE_KINDS.get(place.kind) in allowed else allowed[0]
            f, created = top_level(parent_kind)
            built(f, created, [], parent_kind)
            parents[parent_kind] = f
            return f
    return None

