"""Demands raised about facilities: anyone may report a facility broken (the demand is linked to it and
the facility marked broken), and a maintenance task missed past its grace raises one demand."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from minsheng.accounts.models import TERRITORIAL_ROLES
from minsheng.accounts.selectors import has_role, is_staff_member
from minsheng.demands.models import Demand
from minsheng.demands.services import add_attachment, register

from .models import DEMAND_CATEGORY, Condition, Facility, FacilityEvent, MaintenanceTask, TaskStatus
from .registry import _event, clean_text, lock

A = FacilityEvent.Action


def _report_channel(actor) -> str:
    if getattr(actor, "is_authenticated", False) and has_role(actor, TERRITORIAL_ROLES):
        return "visit"
    return "online"


@transaction.atomic
def report_broken(facility, actor=None, *, note: str = "", reporter_name: str = "", reporter_phone: str = "",
                  photo=None) -> tuple[Facility, object, str]:
    """Mark the facility broken and register a demand linked to it (source_ref facility:ID).
    Returns (facility, demand, tracking token)."""
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



def _missed_text(t: MaintenanceTask) -> str:
    due = t.due_at.astimezone(ZoneInfo(t.facility.town.time_zone))
    who = (t.assignee.get_full_name() or t.assignee.username) if t.assignee_id else "未指定负责人"
    return (f"维护任务逾期未完成：{t.plan.title}（{t.facility.name}），应于 {due:%Y-%m-%d %H:%M} 前完成，"
            f"负责人：{who}。请核实并督促落实。")


def raise_missed(now: datetime | None = None, *, limit: int = 500) -> int:
    """Each pending task past its due time plus grace becomes `missed` and raises exactly one demand
    (channel referral 上级交办, source_ref task:ID). Safe with several workers at once."""
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


