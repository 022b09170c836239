"""Category, urgency, type and place of a demand: staff corrections (kept as labelled feedback for
the triage engine) and the engine's second look after intake."""

from __future__ import annotations

import copy

from django.db import transaction

from minsheng.core.errors import InvalidInput
from minsheng.territory.models import Community, Grid

from . import rules, signals
from .models import ENDED_STATES, Category, Demand, Kind, Status
from .transitions import _event, _transition

S = Status


@transaction.atomic
def classify(demand, actor, *, category: str | None = None, urgent: bool | None = None, kind: str | None = None,
             community: str | None = None, grid: str | None = None, expected_version: int | None = None) -> Demand:
    """Staff set or correct category, urgency, type and place. Corrections are kept as labelled feedback."""
    if category is not None and category not in Category.values:
        raise InvalidInput(f"category: 未知分类 {category}", field="category")
    if kind is not None and kind not in Kind.values:
        raise InvalidInput(f"kind: 须为 {'/'.join(Kind.values)}", field="kind")

    changes: dict = {}

    def change(d):
        if category is not None and category != d.category:
            changes["category"] = [d.category, category]
            d.category = category
        if urgent is not None and urgent != d.urgent:
            changes["urgent"] = [d.urgent, urgent]
            d.urgent = urgent
            if d.assigned_at and d.status in (S.ASSIGNED, S.IN_PROGRESS):
                d.contact_deadline = rules.contact_deadline(d.assigned_at, urgent=d.urgent)
                d.due_at = rules.completion_deadline(d.assigned_at, urgent=d.urgent, complexity=d.complexity)
        if kind is not None and kind != d.kind:
            changes["kind"] = [d.kind, kind]
            d.kind = kind
        if community:
            c = Community.objects.filter(town=d.town, name=community).first()
            if c is None:
                raise InvalidInput(f"community: 本镇没有“{community}”", field="community")
            if c.pk != d.community_id:
                changes["community"] = [d.community.name if d.community else None, c.name]
                d.community, d.grid, d.place = c, None, None
        if grid:
            g = Grid.objects.filter(community__town=d.town, name=grid).select_related("community").first()
            if g is None:
                raise InvalidInput(f"grid: 本镇没有“{grid}”", field="grid")
            if g.pk != d.grid_id:
                changes["grid"] = [d.grid.name if d.grid else None, g.name]
                d.grid, d.community = g, g.community
        d.needs_classification = False
        if d.possibly_urgent:
            changes["possibly_urgent"] = [True, False]  # a person has judged it: out of the 可能紧急 queue
            d.possibly_urgent = False

    return _transition(demand, actor, "classify", change=change, note="", public=False,
                       data={"changes": changes, "feedback": True}, expected_version=expected_version)


@transaction.atomic
def record_assessment(demand, *, assessment: dict, urgent: bool, possibly_urgent: bool,
                      situation: str | None = None) -> Demand | None:
    """The triage engine's second look after intake (with the meaning vector): keep its figures and
    duplicate suggestions in the demand's triage record, raise the demand to urgent when it reads
    the situation as urgent, and flag it "possibly urgent" for staff when it is not sure.

    Never lowers urgency, and leaves alone what staff already decided (a demand they classified)
    and demands that have ended. Writes an event only when urgency or the flag changes; raising to
    urgent sends the urgent notices. Returns None when the demand no longer exists."""
    d = Demand.objects.select_for_update().filter(code=demand.code if isinstance(demand, Demand) else demand).first()
    if d is None:
        return None
    triage = dict(d.triage or {})
    triage["background"] = assessment
    if assessment.get("duplicates") is not None:
        triage["duplicates"] = assessment["duplicates"]
        triage["duplicate_of"] = assessment["duplicates"][0]["code"] if assessment["duplicates"] else None
    decided = d.status in ENDED_STATES or d.events.filter(action="classify").exists()
    raise_urgent = urgent and not d.urgent and not decided
    flag = possibly_urgent and not urgent and not d.urgent and not decided
    changes: dict = {}
    if raise_urgent:
        changes["urgent"] = [False, True]
    if flag != d.possibly_urgent and not decided:
        changes["possibly_urgent"] = [d.possibly_urgent, flag]
    d.triage = triage
    if not changes:
        Demand.objects.filter(pk=d.pk).update(triage=triage)
        return d
    old = copy.copy(d)
    if raise_urgent:
        d.urgent = True
        if d.assigned_at and d.status in (S.ASSIGNED, S.IN_PROGRESS):
            d.contact_deadline = rules.contact_deadline(d.assigned_at, urgent=True)
            d.due_at = rules.completion_deadline(d.assigned_at, urgent=True, complexity=d.complexity)
    if "possibly_urgent" in changes:
        d.possibly_urgent = flag
    d.version += 1
    d.save()
    signals.demand_changed.send(sender=Demand, before=old, after=d)
    what = "升为紧急" if raise_urgent else ("列入“可能紧急”待人工确认" if flag else "移出“可能紧急”")
    _event(d, None, "assess", d.status, d.status, public=False, actor_label="系统（智能分拣）",
           note=f"语义评估：{what}" + (f"（情形：{situation}）" if situation else ""),
           data={"changes": changes, "urgency": assessment.get("urgency"), "situation": situation})
    return d
