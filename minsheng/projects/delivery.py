"""From approval to the archive (domain.md §4): implementation with phases, progress and spending,
inspection (pass → in service, every linked demand to callback; rectify → back to implementing),
evaluation, archiving, and cancelling before implementation.

Decisions where domain.md is silent: a failed inspection (整改 rectify) sends the project back to
`implementing`; `complete` sends it to inspection again, and the next inspection is the next round.
Spending may not exceed the budget.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum

from minsheng.core.errors import Conflict, InvalidInput
from minsheng.demands import services as demand_services
from minsheng.demands.models import OPEN_STATES as DEMAND_OPEN_STATES
from minsheng.demands.models import Status as DemandStatus

from . import rules
from .models import Evaluation, Inspection, PhaseKind, ProgressNote, Project, Spending, Status
from .signals import project_in_service
from .transitions import (
    _actor_label,
    _clean_date,
    _recompute_progress,
    _transition,
    log,
    now,
    today,
)

S = Status


@transaction.atomic
def implement(project, actor, *, contractor: str | None = None, note: str = "",
              expected_version: int | None = None) -> Project:
    note = rules.clean_text(note, field="note", max_len=1000, required=False)
    name = None if contractor is None else rules.clean_text(contractor, field="contractor", max_len=120, required=False)

    def change(p):
        if name:
            p.contractor = name
        p.started_at = now()

    return _transition(project, actor, "implement", change=change, note=note,
                       data={"contractor": name} if name else {}, expected_version=expected_version)


@transaction.atomic
def progress(project, actor, *, phase: str, percent: int, note: str = "",
             expected_version: int | None = None) -> Project:
    """A phase's progress (勘查/设计/施工) and a progress note; the project's progress is the weighted roll-up."""
    if phase not in PhaseKind.values:
        raise InvalidInput(f"phase: 须为 {'/'.join(PhaseKind.values)}（勘查/设计/施工）", field="phase")
    percent = rules.clean_int(percent, field="percent", low=0, high=100)
    note = rules.clean_text(note, field="note", max_len=2000, required=False)

    def change(p):
        ph = p.phases.select_for_update().get(kind=phase)
        day = today()
        ph.percent = percent
        if percent > 0 and ph.actual_start is None:
            ph.actual_start = day
        ph.actual_end = day if percent == 100 else None
        ph.save()
        ProgressNote.objects.create(project=p, phase=phase, percent=percent, note=note, at=now(), by=actor)
        _recompute_progress(p)

    label = PhaseKind(phase).label
    return _transition(project, actor, "progress", change=change, note=f"{label} {percent}%" + (f"：{note}" if note else ""),
                       data={"phase": phase, "percent": percent}, expected_version=expected_version)


@transaction.atomic
def spend(project, actor, *, amount, note: str = "", on: date | str | None = None,
          expected_version: int | None = None) -> Project:
    """A spending line. The total may not exceed the budget."""
    amount = rules.clean_money(amount, field="amount")
    note = rules.clean_text(note, field="note", max_len=200, required=False)
    day = today() if on in (None, "") else _clean_date(on, field="date")
    if day > today():
        raise InvalidInput("date: 支出日期不能晚于今天", field="date")

    def change(p):
        total = (p.spendings.aggregate(s=Sum("amount"))["s"] or Decimal(0)) + amount
        if total > p.budget:
            raise InvalidInput(f"amount: 累计支出 {total:,.2f} 元将超过预算 {p.budget:,.2f} 元", field="amount")
        Spending.objects.create(project=p, date=day, amount=amount, note=note, by=actor, at=now())
        p.spent = total

    return _transition(project, actor, "spend", change=change, note=f"支出 {amount:,.2f} 元" + (f"：{note}" if note else ""),
                       data={"amount": str(amount), "date": day.isoformat()}, expected_version=expected_version)


@transaction.atomic
def complete(project, actor, *, note: str = "", expected_version: int | None = None) -> Project:
    """完工报验: every phase must be at 100%."""
    note = rules.clean_text(note, field="note", max_len=1000, required=False)

    def change(p):
        unfinished = [str(PhaseKind(ph.kind).label) for ph in p.phases.all() if ph.weight and ph.percent < 100]
        if unfinished:
            raise Conflict(f"项目“{p.title}”尚有阶段未完成（{'、'.join(unfinished)}），不能报验")
        p.completed_at = now()

    return _transition(project, actor, "complete", change=change, note=note, expected_version=expected_version)


def _clean_checklist(checklist) -> list[dict]:
    if checklist is None:
        return []
    if not isinstance(checklist, list) or len(checklist) > 100:
        raise InvalidInput("checklist: 须为验收项列表", field="checklist")
    out = []
    for i, raw in enumerate(checklist):
        if not isinstance(raw, dict) or not isinstance(raw.get("passed"), bool):
            raise InvalidInput(f"checklist.{i}: 须含 item 与 passed", field="checklist")
        out.append({"item": rules.clean_text(raw.get("item"), field=f"checklist.{i}.item", max_len=120),
                    "passed": raw["passed"]})
    return out


# The demand states from which a finished project sends a demand to callback (demands.services).
def _demand_ready(d) -> bool:
    return d.status in (DEMAND_OPEN_STATES - {DemandStatus.RECEIVED}) | {DemandStatus.REPLIED}


@transaction.atomic
def inspect(project, actor, *, passed: bool, note: str = "", checklist: list | None = None,
            expected_version: int | None = None) -> Project:
    """验收 by an inspector. Passed → in service: every linked demand goes to callback and the
    `project_in_service` signal is sent after commit. Not passed → 整改 (back to implementing)."""
    if not isinstance(passed, bool):
        raise InvalidInput("passed: 须为 true 或 false", field="passed")
    note = rules.clean_text(note, field="note", max_len=2000, required=False)
    items = _clean_checklist(checklist)
    if passed and any(not c["passed"] for c in items):
        raise InvalidInput("checklist: 有未通过的验收项，结论不能为通过", field="checklist")
    if not passed and not note:
        raise InvalidInput("note: 整改须写明验收意见", field="note")
    moved: list[str] = []
    skipped: list[str] = []

    def change(p):
        rounds = p.inspections.count() + 1
        Inspection.objects.create(
            project=p, round=rounds, inspector=actor, inspector_label=_actor_label(actor, "验收人")[:60],
            checklist=items, note=note, result=Inspection.Result.PASS if passed else Inspection.Result.RECTIFY,
            at=now(),
        )
        if not passed:
            p.completed_at = None
            return S.IMPLEMENTING
        p.in_service_at = now()
        for d in p.demands.order_by("pk"):
            if _demand_ready(d):
                demand_services.project_in_service(d, actor, project_title=p.title)
                moved.append(d.code)
            else:
                skipped.append(d.code)
        return S.IN_SERVICE

    p = _transition(project, actor, "inspect", change=change,
                    note=("验收通过" if passed else "验收未通过，整改") + (f"：{note}" if note else ""),
                    data={"passed": passed, "demands_moved": moved, "demands_skipped": skipped})
    if passed:
        _send_in_service_later(p)
    return p


def _send_in_service_later(p: Project) -> None:
    kwargs = {
        "project_id": p.pk, "title": p.title, "town_id": p.town_id, "community_id": p.community_id,
        "place_id": p.place_id, "kind": p.kind,
        "items": [{"name": i.name, "quantity": float(i.quantity), "unit": i.unit} for i in p.items.all()],
        "facility_kind": p.facility_kind or rules.facility_hint(p.title, [i.name for i in p.items.all()]),
    }

    def send():
        # The project has entered service; a failing receiver must not turn that into an error.
        for receiver, result in project_in_service.send_robust(sender=Project, **kwargs):
            if isinstance(result, Exception):
                log.error("project_in_service receiver %r failed for project %s", receiver, p.pk,
                          exc_info=(type(result), result, result.__traceback__))

    transaction.on_commit(send)


# ---------------------------------------------------------------------------------------------
# After service


@transaction.atomic
def evaluate(project, actor, *, score, surveyed: int | None = None, satisfied: int | None = None,
             basically: int | None = None, dissatisfied: int | None = None, note: str = "",
             expected_version: int | None = None) -> Project:
    """满意度测评 and 绩效评价: the residents' survey counts and a performance score 0–100."""
    try:
        value = Decimal(str(score)).quantize(Decimal("0.1")) if not isinstance(score, bool) and score is not None else None
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise InvalidInput("score: 须为 0 到 100 之间的分数", field="score")
    counts = {}
    for name, v in (("satisfied", satisfied), ("basically", basically), ("dissatisfied", dissatisfied)):
        counts[name] = rules.clean_int(v, field=name, low=0, high=10_000_000, default=0)
    answered = sum(counts.values())
    surveyed = rules.clean_int(surveyed, field="surveyed", low=0, high=10_000_000, default=answered)
    if answered > surveyed:
        raise InvalidInput("surveyed: 调查人数不能少于各项之和", field="surveyed")
    note = rules.clean_text(note, field="note", max_len=2000, required=False)
    weight = settings.MINSHENG_KPI_WEIGHTS.get("basically_satisfied", 0.8)
    rate = round((counts["satisfied"] + weight * counts["basically"]) / answered, 4) if answered else None

    def change(p):
        Evaluation.objects.create(project=p, surveyed=surveyed, satisfaction_rate=rate, score=value, note=note,
                                  at=now(), by=actor, **counts)
        p.score = value
        p.evaluated_at = now()

    return _transition(project, actor, "evaluate", change=change,
                       note=f"绩效评分 {value}" + (f"，满意率 {rate:.1%}" if rate is not None else ""),
                       data={"score": str(value), "satisfaction_rate": rate, "surveyed": surveyed, **counts},
                       expected_version=expected_version)


@transaction.atomic
def archive(project, actor, *, note: str = "", expected_version: int | None = None) -> Project:
    note = rules.clean_text(note, field="note", max_len=1000, required=False)

    def change(p):
        p.closed_at = now()

    return _transition(project, actor, "archive", change=change, note=note, expected_version=expected_version)


@transaction.atomic
def cancel(project, actor, *, reason: str, expected_version: int | None = None) -> Project:
    """Cancel from any state before implementing; a reason is required."""
    reason = rules.clean_text(reason, field="reason", max_len=1000)

    def change(p):
        p.closed_at = now()
        p.close_reason = reason

    return _transition(project, actor, "cancel", change=change, note=reason, expected_version=expected_version)
