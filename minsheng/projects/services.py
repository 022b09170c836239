"""Every change to a micro-project (domain.md §4), the public entry: callers import from here.

Here: who is a resident of a project's community, creation and revision, residents' support and
photos. Elsewhere, re-exported below: the state machine, its clock and who may do what
(`transitions`), proposal to approval (`approval`), implementation to the archive (`delivery`).

Each function runs in a transaction through `transitions._transition` (the shared workflow): it locks
the project row, checks the caller's role and scope (NotAllowed → 403) and the project's state
(Conflict → 409), changes the row, bumps its version and writes a ProjectEvent. Anything refused
changes nothing. Linked demands are moved only through `minsheng.demands.services`. The API, the
pages and the demo loader all call these functions.

Decisions where domain.md is silent:
- Linking a demand that is still `received` accepts it (through the demands service), so that it can
  follow the project to callback.
- Budget and items are fixed once the project is approved.
"""

from __future__ import annotations

from django.db import transaction

from minsheng.accounts import scope
from minsheng.accounts.models import STAFF_ROLES
from minsheng.accounts.selectors import covers
from minsheng.attachments import services as attachments
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed
from minsheng.demands import services as demand_services
from minsheng.demands.models import ENDED_STATES as DEMAND_ENDED_STATES
from minsheng.demands.models import Status as DemandStatus
from minsheng.demands.selectors import visible_demands
from minsheng.territory.models import Community, Place

from . import rules
from .approval import (
    MAX_OBJECTION,
    answer_objection,
    approve,
    deliberate,
    notice,
    notice_open,
    object_to,
    screen,
    vote,
)
from .delivery import archive, cancel, complete, evaluate, implement, inspect, progress, spend
from .models import PHASE_ORDER, Kind, Phase, PhaseKind, PhotoStage, Project, Status, Support, WorkItem
from .transitions import (
    ACTION_NAMES,
    ROLE_LABELS,
    RULES,
    SPENDING_STATES,
    SUPPORT_STATES,
    _active,
    _clean_date,
    _event,
    _recompute_progress,
    _refresh_flags,
    _transition,
    allowed_actions,
    is_inspector,
    is_staff,
    now,
    recorded_at,
    staff_may,
    today,
)

# Re-exported so that callers keep one entry point.
__all__ = [
    "ACTION_NAMES", "MAX_OBJECTION", "ROLE_LABELS", "RULES", "SPENDING_STATES", "SUPPORT_STATES",
    "allowed_actions", "answer_objection", "approve", "archive", "cancel", "complete", "deliberate", "evaluate",
    "implement", "inspect", "is_inspector", "is_staff", "notice", "notice_open", "now", "object_to",
    "progress", "recorded_at", "screen", "spend", "today", "vote",
]

S = Status

# ---------------------------------------------------------------------------------------------
# Who may do what (the rest: transitions)


def is_resident(actor, p: Project) -> bool:
    """A resident account of the project's community (or of a grid in it, or of its town)."""
    return _active(actor) and scope.reaches(actor, scope.place_of(p), "resident")


# ---------------------------------------------------------------------------------------------
# Creation


def _community_for(actor, community, town=None):
    if isinstance(community, Community):
        return community
    name = (community or "").strip() if isinstance(community, str) else ""
    if not name:
        raise InvalidInput("community: 请填写社区", field="community")
    qs = Community.objects.select_related("town").filter(name=name)
    if town is not None:
        qs = qs.filter(town=town)
    found = [c for c in qs if covers(actor, town_id=c.town_id, community_id=c.pk, role_set=STAFF_ROLES)]
    if found:
        return found[0]
    if qs.exists():
        raise NotAllowed(f"community: 无权在“{name}”提议项目", field="community")
    raise InvalidInput(f"community: 没有名为“{name}”的社区", field="community")


def _place_for(community, place) -> object | None:
    if place is None or place == "":
        return None
    if isinstance(place, Place):
        obj = place if place.community_id == community.pk else None
    else:
        name = rules.clean_text(place, field="place", max_len=80)
        obj = Place.objects.filter(community=community, name=name).first()
        if obj is None:
            obj = next((p for p in Place.objects.filter(community=community) if name in (p.aliases or [])), None)
    if obj is None:
        raise InvalidInput(f"place: {community.name}没有这个地点", field="place")
    return obj


def _clean_phases(phases) -> dict[str, dict]:
    """{kind: {weight, planned_start, planned_end}} for the three phases; missing ones get defaults."""
    out = {k.value: {"weight": rules.DEFAULT_PHASE_WEIGHTS[k], "planned_start": None, "planned_end": None}
           for k in PHASE_ORDER}
    if phases is None:
        return out
    if not isinstance(phases, list):
        raise InvalidInput("phases: 须为列表", field="phases")
    for i, raw in enumerate(phases):
        if not isinstance(raw, dict) or raw.get("phase") not in PhaseKind.values:
            raise InvalidInput(f"phases.{i}.phase: 须为 {'/'.join(PhaseKind.values)}", field="phases")
        entry = out[raw["phase"]]
        if raw.get("weight") is not None:
            entry["weight"] = rules.clean_int(raw["weight"], field=f"phases.{i}.weight", low=0, high=100)
        for key in ("planned_start", "planned_end"):
            if raw.get(key):
                entry[key] = _clean_date(raw[key], field=f"phases.{i}.{key}")
        if entry["planned_start"] and entry["planned_end"] and entry["planned_end"] < entry["planned_start"]:
            raise InvalidInput(f"phases.{i}.planned_end: 不能早于计划开始", field="phases")
    if sum(e["weight"] for e in out.values()) <= 0:
        raise InvalidInput("phases: 权重之和须大于 0", field="phases")
    return out


def _demands_for(actor, community, codes) -> list:
    """The caller's visible demands with these codes, all of this community and still open."""
    if codes is None:
        return []
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise InvalidInput("demands: 须为诉求编号列表", field="demands")
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    if len(wanted) > 200:
        raise InvalidInput("demands: 一个项目最多关联 200 件诉求", field="demands")
    found = {d.code: d for d in visible_demands(actor).filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InvalidInput(f"demands: 没有编号为 {'、'.join(missing)} 的诉求，或您无权查看", field="demands")
    out = []
    for code in wanted:
        d = found[code]
        if d.community_id != community.pk:
            raise InvalidInput(f"demands: 诉求 {code} 不属于{community.name}", field="demands")
        if d.status in DEMAND_ENDED_STATES:
            raise InvalidInput(f"demands: 诉求 {code} 已{d.get_status_display()}，不能关联", field="demands")
        out.append(d)
    return out


def _link_demands(p: Project, actor, demands: list) -> list[str]:
    linked = []
    existing = set(p.demands.values_list("pk", flat=True))
    for d in demands:
        if d.pk in existing:
            continue
        if d.status == DemandStatus.RECEIVED:
            demand_services.accept(d, actor, note=f"纳入微实事项目“{p.title}”办理")
        p.demands.add(d)
        linked.append(d.code)
    return linked


@transaction.atomic
def create(
    actor, *, title: str, community, kind: str, budget, items: list | None = None, demands: list | None = None,
    campaign: str = "", plan: str = "", task_team: str = "", place=None, contractor: str = "",
    phases: list | None = None, facility_kind: str = "",
) -> Project:
    """A staff member proposes a project (提议)."""
    if not _active(actor):
        raise NotAllowed("请先登录")
    title = rules.clean_text(title, field="title", max_len=rules.MAX_TITLE)
    kind = rules.clean_kind(kind)
    budget = rules.clean_money(budget, field="budget")
    clean_items = rules.clean_items(items)
    campaign = rules.clean_text(campaign, field="campaign", max_len=60, required=False)
    plan = rules.clean_text(plan, field="plan", required=False)
    task_team = rules.clean_text(task_team, field="task_team", required=False)
    contractor = rules.clean_text(contractor, field="contractor", max_len=120, required=False)
    facility_kind = rules.clean_text(facility_kind, field="facility_kind", max_len=30, required=False)
    clean_phases = _clean_phases(phases)
    c = _community_for(actor, community)
    rules.check_budget(c.town, kind, budget)
    place_obj = _place_for(c, place)
    linked = _demands_for(actor, c, demands)

    p = Project.objects.create(
        town=c.town, community=c, title=title, kind=kind, budget=budget, campaign=campaign, plan=plan,
        task_team=task_team, place=place_obj, contractor=contractor, created_by=actor, created_at=now(),
        facility_kind=facility_kind or (rules.facility_hint(title, [i["name"] for i in clean_items]) or ""),
    )
    WorkItem.objects.bulk_create([WorkItem(project=p, position=i, **item) for i, item in enumerate(clean_items)])
    Phase.objects.bulk_create([
        Phase(project=p, kind=k, position=i, **clean_phases[k]) for i, k in enumerate(PhaseKind.values)
    ])
    codes = _link_demands(p, actor, linked)
    flags = _refresh_flags(p)
    p.save(update_fields=["flags"])
    _event(p, actor, "create", "", S.PROPOSED, note=title,
           data={"budget": str(budget), "demands": codes, "flags": [f["code"] for f in flags]})
    return p


@transaction.atomic
def update(project, actor, *, title: str | None = None, budget=None, items: list | None = None,
           demands: list | None = None, campaign: str | None = None, plan: str | None = None,
           task_team: str | None = None, place=None, contractor: str | None = None, phases: list | None = None,
           expected_version: int | None = None) -> Project:
    """Staff revise a project. Title, budget and items only before approval; the rest until it ends."""
    changed: dict = {}

    def change(p):
        fixed = p.status not in {S.PROPOSED, S.SCREENED, S.DELIBERATING, S.NOTICED}
        if title is not None and title != p.title:
            if fixed:
                raise Conflict("项目已立项，名称不能再修改")
            p.title = rules.clean_text(title, field="title", max_len=rules.MAX_TITLE)
            changed["title"] = p.title
        if budget is not None:
            amount = rules.clean_money(budget, field="budget")
            if amount != p.budget:
                if fixed:
                    raise Conflict("项目已立项，预算不能再修改")
                rules.check_budget(p.town, p.kind, amount)
                if amount < p.spent:
                    raise InvalidInput("budget: 预算不能少于已支出", field="budget")
                changed["budget"] = [str(p.budget), str(amount)]
                p.budget = amount
        if items is not None:
            if fixed:
                raise Conflict("项目已立项，工作量不能再修改")
            clean = rules.clean_items(items)
            p.items.all().delete()
            WorkItem.objects.bulk_create([WorkItem(project=p, position=i, **it) for i, it in enumerate(clean)])
            changed["items"] = len(clean)
        for field, value, limit in (("campaign", campaign, 60), ("plan", plan, rules.MAX_TEXT),
                                    ("task_team", task_team, rules.MAX_TEXT), ("contractor", contractor, 120)):
            if value is not None and value != getattr(p, field):
                setattr(p, field, rules.clean_text(value, field=field, max_len=limit, required=False))
                changed[field] = True
        if place is not None:
            p.place = _place_for(p.community, place)
            changed["place"] = p.place.name if p.place else None
        if phases is not None:
            clean_ph = _clean_phases(phases)
            for ph in p.phases.all():
                given = next((r for r in phases if isinstance(r, dict) and r.get("phase") == ph.kind), None)
                if given is None:
                    continue
                for key in ("weight", "planned_start", "planned_end"):
                    setattr(ph, key, clean_ph[ph.kind][key])
                ph.save()
            _recompute_progress(p)
            changed["phases"] = True
        if demands is not None:
            if p.status in {S.IN_SERVICE, S.EVALUATED}:
                raise Conflict("项目已投用，不能再关联诉求")
            added = _link_demands(p, actor, _demands_for(actor, p.community, demands))
            if added:
                changed["demands"] = added
        _refresh_flags(p)

    return _transition(project, actor, "update", change=change, note="修改项目信息", public=False, data=changed,
                       expected_version=expected_version)


# ---------------------------------------------------------------------------------------------
# Residents' support, photos


@transaction.atomic
def support(project, actor) -> Project:
    """A resident of the community supports the project online, once."""

    def change(p):
        if Support.objects.filter(project=p, user=actor).exists():
            raise Conflict("您已经支持过这个项目")
        Support.objects.create(project=p, user=actor, at=now())

    return _transition(project, actor, "support", may=lambda p: is_resident(actor, p), change=change,
                       note="居民线上支持", public=False)


MAX_PHOTOS = 30


@transaction.atomic
def add_photo(project, actor, upload, *, stage: str, caption: str = "") -> Project:
    """A before/progress/after photo, checked by content and re-encoded without location data."""
    if stage not in PhotoStage.values:
        raise InvalidInput(f"stage: 须为 {'/'.join(PhotoStage.values)}（改造前/施工中/改造后）", field="stage")
    caption = rules.clean_text(caption, field="caption", max_len=120, required=False)
    photo = attachments.clean_photo(upload)

    def change(p):
        if p.photos.count() >= MAX_PHOTOS:
            raise InvalidInput(f"file: 每个项目最多 {MAX_PHOTOS} 张照片", field="file")
        attachments.store(p, photo, actor=actor, kind=stage, caption=caption, at=now())

    return _transition(project, actor, "photo", may=staff_may(actor), change=change,
                       note=f"上传{PhotoStage(stage).label}照片", public=False, data={"stage": stage})


def kinds() -> list[tuple[str, str]]:
    return [(k.value, str(k.label)) for k in Kind]

