"""The facility register (domain.md §5): checked values, the row lock, the history (FacilityEvent),
who manages a community's facilities, registering a facility and changing its condition."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from minsheng.accounts.models import STAFF_ROLES
from minsheng.accounts.selectors import covers
from minsheng.core import workflow
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.demands.rules import clean_text as _clean
from minsheng.territory.models import Community, Grid, Place

from .models import DEFAULT_UNIT, Condition, Facility, FacilityEvent, Kind, MaintenanceTask

A = FacilityEvent.Action

MAX_NAME = 100
MAX_NOTE = 2000
NOT_MANAGER = "无权管理该社区的设施"


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


def _may_manage(actor, obj) -> bool:
    return getattr(actor, "is_authenticated", False) and actor.is_active and is_manager(actor, obj)


def _require_manager(actor, obj) -> None:
    if not _may_manage(actor, obj):
        raise NotAllowed(NOT_MANAGER)


def clean_text(value: str | None, *, field: str, max_len: int, required: bool = False) -> str:
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



def _save_condition(f: Facility) -> None:
    f.save(update_fields=["condition", "condition_at", "version", "updated_at"])


def _record_condition(old: Facility, f: Facility, before: str, action: str, actor, *, info: dict,
                      task: MaintenanceTask | None, demand_code: str) -> None:
    _event(f, actor, A.CONDITION, note=info["note"], from_condition=before, to_condition=f.condition, task=task,
           demand_code=demand_code)


# A facility's condition is its state: every change goes through the shared workflow.
CONDITION_MACHINE = workflow.Machine(
    lock=lock, name=lambda f: f"设施“{f.name}”", record=_record_condition, state_field="condition",
    save=_save_condition, state_label=lambda f: f.get_condition_display(), not_allowed=NOT_MANAGER,
)


@transaction.atomic
def set_condition(facility, actor, *, condition: str, note: str = "", check: bool = True,
                  task: MaintenanceTask | None = None, demand_code: str = "") -> Facility:
    info: dict = {}

    def change(f):
        clean = clean_condition(condition)
        info["note"] = clean_text(note, field="note", max_len=MAX_NOTE)
        if clean == f.condition and not info["note"]:
            return workflow.UNCHANGED
        f.condition_at = timezone.now()
        return clean

    return workflow.run(CONDITION_MACHINE, facility, actor, A.CONDITION, allowed_from=Condition.values, to=None,
                        may=lambda f: not check or _may_manage(actor, f), change=change, info=info, task=task,
                        demand_code=demand_code)
