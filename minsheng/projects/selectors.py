"""Reads of projects: the public board and the staff view, and the JSON forms of a project.

The public form carries no personal data: no names of residents, objectors or staff, no vote
minutes, no objection texts, no task team. Staff of the project's community (or its town) see the
full form.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from minsheng.accounts.models import STAFF_ROLES, Role
from minsheng.accounts.selectors import covers, has_role, scope_q
from minsheng.attachments.models import Attachment
from minsheng.core.errors import NotFound
from minsheng.demands.models import Demand

from .models import LIFE, Kind, Objection, PhaseKind, PhotoStage, Project, ProjectEvent, Status, Support
from .transitions import ACTION_NAMES


@dataclass
class Filters:
    community: str | None = None
    kind: str | None = None
    status: str | None = None
    campaign: str | None = None
    town: str | None = None
    q: str | None = None


def _count(model, **extra):
    return Coalesce(
        Subquery(
            model.objects.filter(project=OuterRef("pk"), **extra).order_by().values("project")
            .annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def board(filters: Filters | None = None) -> QuerySet:
    """Every project, with what a card or a list row shows, in a fixed number of queries."""
    f = filters or Filters()
    qs = Project.objects.all()
    if f.town:
        qs = qs.filter(town__name=f.town)
    if f.community:
        qs = qs.filter(community__name=f.community)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.campaign:
        qs = qs.filter(campaign=f.campaign)
    if f.q:
        qs = qs.filter(title__contains=f.q.strip())
    return (
        qs.select_related("community", "town", "place")
        .annotate(n_supports=_count(Support), n_objections=_count(Objection),
                  n_open_objections=_count(Objection, answered_at=None))
        .prefetch_related(
            "items", "phases",
            Prefetch("demands", queryset=Demand.objects.only("id", "code").order_by("code")),
            Prefetch("photos", queryset=Attachment.objects.only("id", "owner_type", "owner_id", "kind", "caption",
                                                                 "created_at")),
        )
        .order_by("-created_at", "-id")
    )


def may_open_desk(user) -> bool:
    """The staff project pages (/desk/projects/) are for the staff of a community or town and inspectors."""
    return bool(getattr(user, "is_authenticated", False)) and has_role(user, STAFF_ROLES | {Role.INSPECTOR})


def in_service_by_town(start, end) -> dict[int, int]:
    """How many projects each town put into service in [start, end) (for the public home page)."""
    rows = (Project.objects.filter(in_service_at__gte=start, in_service_at__lt=end)
            .exclude(status__in=[Status.CANCELLED, Status.REJECTED])
            .values("town_id").annotate(n=Count("pk")).order_by())
    return {r["town_id"]: r["n"] for r in rows}


def managed(user, filters: Filters | None = None) -> QuerySet:
    """Projects the user manages (staff of the community or the town)."""
    q = scope_q(user, Project, role_set=STAFF_ROLES)
    qs = board(filters)
    return qs if q is None else qs.filter(q)


def get(pk) -> Project:
    try:
        return board().get(pk=int(pk))
    except (Project.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"没有编号为 {pk} 的项目") from None


def is_manager(user, p: Project) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and covers(
        user, town_id=p.town_id, community_id=p.community_id, role_set=STAFF_ROLES
    )


def has_supported(user, p: Project) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and Support.objects.filter(project=p, user=user).exists()


# ---------------------------------------------------------------------------------------------
# JSON forms


def _num(value) -> float | None:
    return None if value is None else float(value)


def _dt(value):
    return value.isoformat() if value is not None else None


def items_json(p: Project, *, full: bool) -> list[dict]:
    out = []
    for i in p.items.all():
        row = {"name": i.name, "quantity": float(i.quantity), "unit": i.unit}
        if full:
            row["unit_price"] = _num(i.unit_price)
            row["amount"] = _num(i.amount)
        out.append(row)
    return out


def phases_json(p: Project) -> list[dict]:
    return [
        {"phase": ph.kind, "name": str(ph.get_kind_display()), "weight": ph.weight, "percent": ph.percent,
         "planned_start": _dt(ph.planned_start), "planned_end": _dt(ph.planned_end),
         "actual_start": _dt(ph.actual_start), "actual_end": _dt(ph.actual_end)}
        for ph in p.phases.all()
    ]


def photos_json(p: Project) -> list[dict]:
    return [
        {"id": ph.pk, "stage": ph.kind, "caption": ph.caption, "url": f"/api/v1/projects/{p.pk}/photos/{ph.pk}"}
        for ph in p.photos.all()
    ]


def public_note(e: ProjectEvent) -> str:
    """What the public timeline says about an event: built from its data, never the free text a person
    typed (which may name someone)."""
    d = e.data or {}
    if e.action == "vote" and "for" in d:
        outcome = _("通过") if d.get("passed") else (_("未达到法定人数") if not d.get("quorum_met") else _("未通过"))
        return _("表决：赞成 %(f)s、反对 %(a)s、弃权 %(b)s，%(o)s") % {
            "f": d["for"], "a": d["against"], "b": d["abstain"], "o": outcome}
    if e.action == "notice" and "days" in d:
        return _("公示 %(n)s 天") % {"n": d["days"]}
    if e.action == "progress" and "phase" in d:
        return _("%(phase)s完成 %(p)s%%") % {"phase": PhaseKind(d["phase"]).label, "p": d["percent"]}
    if e.action == "spend" and "amount" in d:
        return _("支出 %(a)s 元") % {"a": f"{Decimal(d['amount']):,.2f}"}
    if e.action == "inspect" and "passed" in d:
        return _("验收通过，投入使用") if d["passed"] else _("验收未通过，整改")
    if e.action == "evaluate" and "score" in d:
        return _("绩效评分 %(s)s") % {"s": d["score"]}
    if e.action == "screen":
        return _("初审通过") if d.get("passed") else _("初审未通过")
    if e.action == "object":
        return _("收到公示异议")
    if e.action == "answer_objection":
        return _("答复公示异议")
    if e.action == "create":
        return ""
    return str(ACTION_NAMES.get(e.action, e.action))


def events_json(p: Project, *, full: bool) -> list[dict]:
    qs = ProjectEvent.objects.filter(project=p).order_by("at", "id")
    if not full:
        qs = qs.filter(public=True)
    return [
        {"at": e.at.isoformat(), "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
         "actor": e.actor_label if full else public_actor(e), "note": e.note if full else public_note(e)}
        for e in qs
    ]


def public_actor(e: ProjectEvent) -> str:
    return e.actor_role or "社区"


def public_events(p: Project) -> list[dict]:
    """The public timeline for the page: time, who (a role), the new status and a summary."""
    names = dict(Status.choices)
    return [
        {"at": e.at, "actor": _(public_actor(e)), "note": public_note(e),
         "status": str(names.get(e.to_status, "")) if e.to_status != e.from_status else ""}
        for e in ProjectEvent.objects.filter(project=p, public=True).order_by("at", "id")
    ]


def _status_name(code: str) -> str:
    return str(Status(code).label) if code in Status.values else code


def staff_events(p: Project) -> list[dict]:
    """The staff timeline for the desk page: the action and the statuses by their names, not their codes."""
    return [
        {"at": e.at, "actor": e.actor_label, "action": str(ACTION_NAMES.get(e.action, e.action)),
         "from_status": _status_name(e.from_status), "to_status": _status_name(e.to_status),
         "moved": e.to_status != e.from_status, "note": e.note, "public": e.public}
        for e in ProjectEvent.objects.filter(project=p).order_by("at", "id")
    ]


def summary(p: Project, *, full: bool = False) -> dict:
    """What the list and the board show of a project (no personal data in any form)."""
    body = {
        "id": p.pk, "title": p.title, "community": p.community.name, "town": p.town.name, "kind": p.kind,
        "kind_name": str(Kind(p.kind).label), "status": p.status, "status_name": str(p.get_status_display()),
        "campaign": p.campaign, "place": p.place.name if p.place_id else None, "contractor": p.contractor,
        "budget": float(p.budget), "spent": float(p.spent), "execution_rate": p.execution_rate,
        "progress": float(p.progress), "items": items_json(p, full=full),
        "demands": [d.code for d in p.demands.all()], "phases": phases_json(p),
        "supports": getattr(p, "n_supports", None),
        "notice_start": _dt(p.notice_start), "notice_end": _dt(p.notice_end),
        "created_at": _dt(p.created_at), "approved_at": _dt(p.approved_at), "started_at": _dt(p.started_at),
        "completed_at": _dt(p.completed_at), "in_service_at": _dt(p.in_service_at),
        "score": _num(p.score),
    }
    if full:
        body["flags"] = p.flags
        body["version"] = p.version
    return body


def detail(p: Project, *, full: bool, user=None) -> dict:
    body = summary(p, full=full)
    body["photos"] = photos_json(p)
    objections = list(p.objections.all())
    body["objections_count"] = len(objections)
    body["objections_open"] = sum(1 for o in objections if o.answered_at is None)
    votes = list(p.votes.all())
    body["votes"] = [
        {"round": v.round, "for": v.votes_for, "against": v.votes_against, "abstain": v.votes_abstain,
         "members": v.members, "quorum": v.quorum, "quorum_met": v.quorum_met, "passed": v.passed,
         "at": v.at.isoformat(), **({"minutes": v.minutes} if full else {})}
        for v in votes
    ]
    inspections = list(p.inspections.all())
    body["inspections"] = [
        {"round": i.round, "result": i.result, "at": i.at.isoformat(), "checklist": i.checklist,
         **({"note": i.note, "inspector": i.inspector_label} if full else {})}
        for i in inspections
    ]
    ev = getattr(p, "evaluation", None) if _has_evaluation(p) else None
    body["evaluation"] = None if ev is None else {
        "score": float(ev.score), "surveyed": ev.surveyed, "satisfied": ev.satisfied, "basically": ev.basically,
        "dissatisfied": ev.dissatisfied, "satisfaction_rate": ev.satisfaction_rate, "at": ev.at.isoformat(),
    }
    body["events"] = events_json(p, full=full)
    if user is not None and getattr(user, "is_authenticated", False):
        body["supported"] = Support.objects.filter(project=p, user=user).exists()
    if full:
        body.update({
            "plan": p.plan, "task_team": p.task_team, "close_reason": p.close_reason,
            "spendings": [{"date": s.date.isoformat(), "amount": float(s.amount), "note": s.note}
                          for s in p.spendings.all()],
            "progress_notes": [{"at": n.at.isoformat(), "phase": n.phase, "percent": n.percent, "note": n.note}
                               for n in p.progress_notes.all()],
            "objections": [{"id": o.pk, "text": o.text, "at": o.at.isoformat(), "answer": o.answer,
                            "answered_at": _dt(o.answered_at)} for o in objections],
        })
    elif p.status in (Status.REJECTED, Status.CANCELLED):
        body["close_reason"] = p.close_reason
    return body


def _has_evaluation(p: Project) -> bool:
    from django.core.exceptions import ObjectDoesNotExist

    try:
        p.evaluation  # noqa: B018
    except ObjectDoesNotExist:
        return False
    return True


# ---------------------------------------------------------------------------------------------
# For the board


def status_steps(p: Project) -> list[dict]:
    """The life as steps with done/current marks (for the card and the page)."""
    if p.status in (Status.CANCELLED, Status.REJECTED):
        return []
    index = LIFE.index(p.status)
    return [{"status": s, "name": str(s.label), "done": i < index, "current": i == index} for i, s in enumerate(LIFE)]


def first_photos(p: Project) -> tuple:
    photos = list(p.photos.all())
    before = next((ph for ph in photos if ph.kind == PhotoStage.BEFORE), None)
    after = next((ph for ph in reversed(photos) if ph.kind == PhotoStage.AFTER), None)
    return before, after
