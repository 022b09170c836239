"""Every change to a micro-project: creation and one function per action (domain.md §4).

Each function runs in a transaction, locks the project row, checks the caller's role and scope
(NotAllowed → 403) and the project's state (Conflict → 409), changes the row, bumps its version and
writes a ProjectEvent. Anything refused changes nothing. Linked demands are moved only through
`minsheng.demands.services`. The API, the pages and the demo loader all call these functions.

Decisions where domain.md is silent:
- A vote without quorum is recorded and the project stays in deliberation (vote again); a vote with
  quorum that does not pass (for ≤ half of the votes cast) sends the project back to `proposed`.
- A failed inspection (整改 rectify) sends the project back to `implementing`; `complete` sends it to
  inspection again, and the next inspection is the next round.
- Linking a demand that is still `received` accepts it (through the demands service), so that it can
  follow the project to callback.
- Spending may not exceed the budget; budget and items are fixed once the project is approved.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import secrets
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.accounts import scope
from minsheng.accounts.models import STAFF_ROLES, Role
from minsheng.accounts.selectors import covers
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound

from . import rules
from .models import (
    CANCELLABLE,
    ENDED,
    PHASE_ORDER,
    Evaluation,
    Inspection,
    Kind,
    Objection,
    Phase,
    PhaseKind,
    Photo,
    ProgressNote,
    Project,
    ProjectEvent,
    Spending,
    Status,
    Support,
    Vote,
    WorkItem,
)

S = Status
log = logging.getLogger("minsheng.projects")

# ---------------------------------------------------------------------------------------------
# Clock: records of past projects (the demo town) are entered with their own dates.

_clock: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("minsheng_projects_clock", default=None)


def now() -> datetime:
    return _clock.get() or timezone.now()


@contextlib.contextmanager
def recorded_at(at: datetime) -> Iterator[None]:
    """Enter what happened at `at` (for loading past projects); every time check uses it too."""
    token = _clock.set(at)
    try:
        yield
    finally:
        _clock.reset(token)


def today() -> date:
    return timezone.localtime(now()).date()


# ---------------------------------------------------------------------------------------------
# Who may do what


def is_staff(actor, p: Project) -> bool:
    """Community staff or secretary of the project's community, or the town's administrators."""
    return _active(actor) and covers(actor, town_id=p.town_id, community_id=p.community_id, role_set=STAFF_ROLES)


def is_inspector(actor, p: Project) -> bool:
    return _active(actor) and covers(actor, town_id=p.town_id, community_id=p.community_id,
                                     role_set={Role.INSPECTOR})


def is_resident(actor, p: Project) -> bool:
    """A resident account of the project's community (or of a grid in it, or of its town)."""
    return _active(actor) and scope.reaches(actor, scope.place_of(p), "resident")


def _active(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active)


def _actor_role(actor, p: Project) -> str:
    """What the public timeline shows instead of a name."""
    if not _active(actor):
        return "居民"
    if covers(actor, town_id=p.town_id, role_set={Role.TOWN_ADMIN}):
        return "镇"
    if covers(actor, town_id=None, community_id=p.community_id, role_set=STAFF_ROLES):
        return "社区"
    if is_inspector(actor, p):
        return "验收人"
    if getattr(actor, "is_superuser", False):
        return "管理员"
    return "居民"


def _actor_label(actor, role: str) -> str:
    # Residents stay anonymous even in the staff view: their account is linked, their name not copied.
    if not _active(actor) or role == "居民":
        return "居民"
    return actor.get_full_name() or actor.username


# ---------------------------------------------------------------------------------------------
# Transition machinery


def _event(p: Project, actor, action: str, from_status: str, to_status: str, *, note: str = "",
           public: bool = True, data: dict | None = None) -> ProjectEvent:
    role = _actor_role(actor, p)
    return ProjectEvent.objects.create(
        project=p, at=now(), actor=actor if _active(actor) else None, actor_label=_actor_label(actor, role)[:60],
        actor_role=role, action=action, from_status=from_status, to_status=to_status, note=note, public=public,
        data=data or {},
    )


def _lock(project: Project | int) -> Project:
    pk = project.pk if isinstance(project, Project) else project
    try:
        return Project.objects.select_for_update().get(pk=pk)
    except (Project.DoesNotExist, ValueError, TypeError):
        raise NotFound(f"没有编号为 {pk} 的项目") from None


def _transition(
    project: Project | int, actor, action: str, *, allowed_from: Iterable[str], to: str | None,
    may: Callable[[Project], bool], change: Callable[[Project], str | None] | None = None, note: str = "",
    public: bool = True, data: dict | None = None, expected_version: int | None = None,
) -> Project:
    p = _lock(project)
    if not may(p):
        raise NotAllowed(f"无权对项目“{p.title}”执行“{ACTION_NAMES.get(action, action)}”")
    if expected_version is not None and expected_version != p.version:
        raise Conflict(f"项目“{p.title}”已被他人更新，请刷新后重试")
    if p.status not in set(allowed_from):
        raise Conflict(
            f"项目“{p.title}”当前状态为“{p.get_status_display()}”，不能执行“{ACTION_NAMES.get(action, action)}”"
        )
    before = p.status
    target = to
    if change is not None:
        # A change may pick the target state itself (vote, inspect) by returning it.
        chosen = change(p)
        if chosen is not None:
            target = chosen
    if target is not None:
        p.status = target
    p.version += 1
    p.save()
    _event(p, actor, action, before, p.status, note=note, public=public, data=data)
    return p


def staff_may(actor) -> Callable[[Project], bool]:
    return lambda p: is_staff(actor, p)


ACTION_NAMES = {
    "create": _("提议"), "update": _("修改"), "screen": _("初审"), "deliberate": _("提交议事"), "vote": _("表决"),
    "notice": _("公示"), "object": _("提出异议"), "answer_objection": _("答复异议"), "approve": _("立项"),
    "implement": _("开始实施"), "progress": _("报告进度"), "spend": _("记录支出"), "complete": _("完工报验"),
    "inspect": _("验收"), "evaluate": _("测评"), "archive": _("归档"), "cancel": _("取消"), "support": _("支持"),
    "photo": _("上传照片"),
}
# What the public timeline shows instead of a name (stored in Chinese, translated on display).
ROLE_LABELS = [_("镇"), _("社区"), _("验收人"), _("居民"), _("管理员")]


# ---------------------------------------------------------------------------------------------
# Creation


def _community_for(actor, community, town=None):
    from minsheng.territory.models import Community

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
    from minsheng.territory.models import Place

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


def _clean_date(value, *, field: str) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field}: 日期格式应为 YYYY-MM-DD", field=field) from None


def _demands_for(actor, community, codes) -> list:
    """The caller's visible demands with these codes, all of this community and still open."""
    from minsheng.demands.models import ENDED_STATES
    from minsheng.demands.selectors import visible_demands

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
        if d.status in ENDED_STATES:
            raise InvalidInput(f"demands: 诉求 {code} 已{d.get_status_display()}，不能关联", field="demands")
        out.append(d)
    return out


def _link_demands(p: Project, actor, demands: list) -> list[str]:
    from minsheng.demands import services as demand_services
    from minsheng.demands.models import Status as DS

    linked = []
    existing = set(p.demands.values_list("pk", flat=True))
    for d in demands:
        if d.pk in existing:
            continue
        if d.status == DS.RECEIVED:
            demand_services.accept(d, actor, note=f"纳入微实事项目“{p.title}”办理")
        p.demands.add(d)
        linked.append(d.code)
    return linked


def _refresh_flags(p: Project) -> list[dict]:
    names = list(p.items.values_list("name", flat=True))
    flags = []
    duty = rules.property_duty_flag(p.title, p.plan, names)
    if duty:
        flags.append(duty)
    flags += rules.duplicate_flags(p.pk, p.community_id, p.title, names)
    p.flags = flags
    return flags


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

    return _transition(project, actor, "update", allowed_from=set(S.values) - ENDED, to=None,
                       may=staff_may(actor), change=change, note="修改项目信息", public=False, data=changed,
                       expected_version=expected_version)


# ---------------------------------------------------------------------------------------------
# From proposal to approval


@transaction.atomic
def screen(project, actor, *, passed: bool, reason: str = "", expected_version: int | None = None) -> Project:
    """初审. Not passed → rejected (reason required). A project flagged as a property-company duty or a
    possible duplicate passes only with a reason."""
    if not isinstance(passed, bool):
        raise InvalidInput("passed: 须为 true 或 false", field="passed")
    reason = rules.clean_text(reason, field="reason", max_len=1000, required=False)
    if not passed and not reason:
        raise InvalidInput("reason: 初审不通过须说明理由", field="reason")

    def change(p):
        flags = _refresh_flags(p)
        if passed and flags and not reason:
            raise InvalidInput("reason: " + "；".join(f["reason"] for f in flags) + "。如仍通过，请说明理由",
                               field="reason")
        if not passed:
            p.closed_at = now()
            p.close_reason = reason
            return S.REJECTED
        return S.SCREENED

    return _transition(project, actor, "screen", allowed_from=[S.PROPOSED], to=None, may=staff_may(actor),
                       change=change, note=reason, data={"passed": passed}, expected_version=expected_version)


@transaction.atomic
def deliberate(project, actor, *, note: str = "", expected_version: int | None = None) -> Project:
    """提交议事 (两委协商 / 居民议事会)."""
    note = rules.clean_text(note, field="note", max_len=1000, required=False)
    return _transition(project, actor, "deliberate", allowed_from=[S.SCREENED], to=S.DELIBERATING,
                       may=staff_may(actor), note=note, expected_version=expected_version)


@transaction.atomic
def vote(project, actor, *, votes_for: int, votes_against: int, votes_abstain: int = 0, minutes: str = "",
         members: int | None = None, quorum: int | None = None, expected_version: int | None = None) -> Project:
    """Record a vote. It passes when the votes cast reach the quorum and more than half of them are for.
    Quorum not met: the project stays in deliberation. Voted down: back to proposed."""
    members = rules.clean_int(members, field="members", low=1, high=10000, default=rules.DEFAULT_VOTE_MEMBERS)
    quorum = rules.clean_int(quorum, field="quorum", low=1, high=members, default=members // 2 + 1)
    votes_for = rules.clean_int(votes_for, field="for", low=0, high=members)
    votes_against = rules.clean_int(votes_against, field="against", low=0, high=members)
    votes_abstain = rules.clean_int(votes_abstain, field="abstain", low=0, high=members, default=0)
    minutes = rules.clean_text(minutes, field="minutes", required=False)
    cast = votes_for + votes_against + votes_abstain
    if cast > members:
        raise InvalidInput(f"for: 投票总数 {cast} 超过应到人数 {members}", field="for")
    quorum_met = cast >= quorum
    passed = quorum_met and votes_for * 2 > cast
    outcome = "通过" if passed else ("未达到法定人数，须重新表决" if not quorum_met else "未通过，退回提议")

    def change(p):
        Vote.objects.create(
            project=p, round=p.votes.count() + 1, votes_for=votes_for, votes_against=votes_against,
            votes_abstain=votes_abstain, members=members, quorum=quorum, quorum_met=quorum_met, passed=passed,
            minutes=minutes, at=now(), by=actor,
        )
        if quorum_met and not passed:
            return S.PROPOSED
        return None

    return _transition(project, actor, "vote", allowed_from=[S.DELIBERATING], to=None, may=staff_may(actor),
                       change=change, note=f"赞成 {votes_for}、反对 {votes_against}、弃权 {votes_abstain}：{outcome}",
                       data={"for": votes_for, "against": votes_against, "abstain": votes_abstain,
                             "members": members, "quorum": quorum, "quorum_met": quorum_met, "passed": passed},
                       expected_version=expected_version)


@transaction.atomic
def notice(project, actor, *, days: int | None = None, expected_version: int | None = None) -> Project:
    """公示 for `days` days (default 5). Needs a passing vote."""
    days = rules.clean_int(days, field="days", low=1, high=rules.MAX_NOTICE_DAYS, default=rules.DEFAULT_NOTICE_DAYS)

    def change(p):
        last = p.votes.order_by("-round", "-id").first()
        if last is None or not last.passed:
            raise Conflict(f"项目“{p.title}”尚无通过的表决，不能公示")
        p.notice_start = now()
        p.notice_days = days

    p = _transition(project, actor, "notice", allowed_from=[S.DELIBERATING], to=S.NOTICED, may=staff_may(actor),
                    change=change, note=f"公示 {days} 天", data={"days": days}, expected_version=expected_version)
    return p


def notice_open(p: Project, at: datetime | None = None) -> bool:
    return p.status == S.NOTICED and p.notice_end is not None and (at or now()) < p.notice_end


MAX_OBJECTION = 1000


@transaction.atomic
def object_to(project, actor, *, text: str) -> Project:
    """Anyone, signed in or not, may object while the notice runs. (The caller rate-limits anonymous use.)"""
    text = rules.clean_text(text, field="text", max_len=MAX_OBJECTION)
    data: dict = {}

    def change(p):
        if not notice_open(p):
            raise Conflict(f"项目“{p.title}”不在公示期内，不能提出异议")
        o = Objection.objects.create(project=p, text=text, user=actor if _active(actor) else None, at=now())
        data["objection"] = o.pk

    p = _transition(project, actor, "object", allowed_from=[S.NOTICED], to=None, may=lambda p: True,
                    change=change, note="收到公示异议", public=True, data=data)
    _tell_staff_later(p, f"项目“{p.title}”收到公示异议", f"公示期异议：{text[:80]}")
    return p


@transaction.atomic
def answer_objection(project, actor, *, objection: int, answer: str, expected_version: int | None = None) -> Project:
    answer = rules.clean_text(answer, field="answer", max_len=MAX_OBJECTION)
    if isinstance(objection, bool) or not isinstance(objection, int):
        raise InvalidInput("objection: 请指明要答复的异议编号", field="objection")

    def change(p):
        o = Objection.objects.select_for_update().filter(project=p, pk=objection).first()
        if o is None:
            raise InvalidInput(f"objection: 本项目没有编号为 {objection} 的异议", field="objection")
        if o.answered_at is not None:
            raise Conflict(f"异议 {objection} 已答复")
        o.answer, o.answered_at, o.answered_by = answer, now(), actor
        o.save()

    return _transition(project, actor, "answer_objection", allowed_from=[S.NOTICED], to=None,
                       may=staff_may(actor), change=change, note=answer, data={"objection": objection},
                       expected_version=expected_version)


@transaction.atomic
def approve(project, actor, *, note: str = "", expected_version: int | None = None) -> Project:
    """立项: only once the notice period is over and every objection has been answered."""
    note = rules.clean_text(note, field="note", max_len=1000, required=False)

    def change(p):
        if notice_open(p):
            end = timezone.localtime(p.notice_end)
            raise Conflict(f"项目“{p.title}”公示期至 {end:%Y-%m-%d %H:%M} 结束，公示期满后才能立项")
        open_objections = p.objections.filter(answered_at=None).count()
        if open_objections:
            raise Conflict(f"项目“{p.title}”还有 {open_objections} 条异议未答复，不能立项")
        p.approved_at = now()

    return _transition(project, actor, "approve", allowed_from=[S.NOTICED], to=S.APPROVED, may=staff_may(actor),
                       change=change, note=note, expected_version=expected_version)


# ---------------------------------------------------------------------------------------------
# Implementation


def _recompute_progress(p: Project) -> Decimal:
    phases = list(p.phases.all())
    total = sum(ph.weight for ph in phases)
    value = Decimal(sum(ph.weight * ph.percent for ph in phases)) / total if total else Decimal(0)
    p.progress = value.quantize(Decimal("0.1"))
    return p.progress


@transaction.atomic
def implement(project, actor, *, contractor: str | None = None, note: str = "",
              expected_version: int | None = None) -> Project:
    note = rules.clean_text(note, field="note", max_len=1000, required=False)
    name = None if contractor is None else rules.clean_text(contractor, field="contractor", max_len=120, required=False)

    def change(p):
        if name:
            p.contractor = name
        p.started_at = now()

    return _transition(project, actor, "implement", allowed_from=[S.APPROVED], to=S.IMPLEMENTING,
                       may=staff_may(actor), change=change, note=note,
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
    return _transition(project, actor, "progress", allowed_from=[S.IMPLEMENTING], to=None, may=staff_may(actor),
                       change=change, note=f"{label} {percent}%" + (f"：{note}" if note else ""),
                       data={"phase": phase, "percent": percent}, expected_version=expected_version)


SPENDING_STATES = frozenset({S.APPROVED, S.IMPLEMENTING, S.INSPECTION, S.IN_SERVICE, S.EVALUATED})


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

    return _transition(project, actor, "spend", allowed_from=SPENDING_STATES, to=None, may=staff_may(actor),
                       change=change, note=f"支出 {amount:,.2f} 元" + (f"：{note}" if note else ""),
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

    return _transition(project, actor, "complete", allowed_from=[S.IMPLEMENTING], to=S.INSPECTION,
                       may=staff_may(actor), change=change, note=note, expected_version=expected_version)


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
    from minsheng.demands.models import OPEN_STATES
    from minsheng.demands.models import Status as DS

    return d.status in (OPEN_STATES - {DS.RECEIVED}) | {DS.REPLIED}


@transaction.atomic
def inspect(project, actor, *, passed: bool, note: str = "", checklist: list | None = None,
            expected_version: int | None = None) -> Project:
    """验收 by an inspector. Passed → in service: every linked demand goes to callback and the
    `project_in_service` signal is sent after commit. Not passed → 整改 (back to implementing)."""
    from minsheng.demands import services as demand_services

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

    p = _transition(project, actor, "inspect", allowed_from=[S.INSPECTION], to=None,
                    may=lambda p: is_inspector(actor, p), change=change,
                    note=("验收通过" if passed else "验收未通过，整改") + (f"：{note}" if note else ""),
                    data={"passed": passed, "demands_moved": moved, "demands_skipped": skipped})
    if passed:
        _send_in_service_later(p)
    return p


def _send_in_service_later(p: Project) -> None:
    from .signals import project_in_service

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

    return _transition(project, actor, "evaluate", allowed_from=[S.IN_SERVICE], to=S.EVALUATED,
                       may=staff_may(actor), change=change,
                       note=f"绩效评分 {value}" + (f"，满意率 {rate:.1%}" if rate is not None else ""),
                       data={"score": str(value), "satisfaction_rate": rate, "surveyed": surveyed, **counts},
                       expected_version=expected_version)


@transaction.atomic
def archive(project, actor, *, note: str = "", expected_version: int | None = None) -> Project:
    note = rules.clean_text(note, field="note", max_len=1000, required=False)

    def change(p):
        p.closed_at = now()

    return _transition(project, actor, "archive", allowed_from=[S.EVALUATED], to=S.ARCHIVED, may=staff_may(actor),
                       change=change, note=note, expected_version=expected_version)


@transaction.atomic
def cancel(project, actor, *, reason: str, expected_version: int | None = None) -> Project:
    """Cancel from any state before implementing; a reason is required."""
    reason = rules.clean_text(reason, field="reason", max_len=1000)

    def change(p):
        p.closed_at = now()
        p.close_reason = reason

    return _transition(project, actor, "cancel", allowed_from=CANCELLABLE, to=S.CANCELLED, may=staff_may(actor),
                       change=change, note=reason, expected_version=expected_version)


# ---------------------------------------------------------------------------------------------
# Residents' support, photos


SUPPORT_STATES = frozenset({S.PROPOSED, S.SCREENED, S.DELIBERATING, S.NOTICED})


@transaction.atomic
def support(project, actor) -> Project:
    """A resident of the community supports the project online, once."""

    def change(p):
        if Support.objects.filter(project=p, user=actor).exists():
            raise Conflict("您已经支持过这个项目")
        Support.objects.create(project=p, user=actor, at=now())

    return _transition(project, actor, "support", allowed_from=SUPPORT_STATES, to=None,
                       may=lambda p: is_resident(actor, p), change=change, note="居民线上支持", public=False)


MAX_PHOTOS = 30


@transaction.atomic
def add_photo(project, actor, upload, *, stage: str, caption: str = "") -> Project:
    """A before/progress/after photo, checked by content and re-encoded without location data."""
    from django.core.files.base import ContentFile

    from minsheng.demands.services import clean_photo

    if stage not in Photo.Stage.values:
        raise InvalidInput(f"stage: 须为 {'/'.join(Photo.Stage.values)}（改造前/施工中/改造后）", field="stage")
    caption = rules.clean_text(caption, field="caption", max_len=120, required=False)
    data, content_type, ext = clean_photo(upload)

    def change(p):
        if p.photos.count() >= MAX_PHOTOS:
            raise InvalidInput(f"file: 每个项目最多 {MAX_PHOTOS} 张照片", field="file")
        name = f"{secrets.token_hex(8)}.{ext}"
        photo = Photo(project=p, stage=stage, caption=caption, stored_name=name, content_type=content_type,
                      size=len(data), uploaded_by=actor, at=now())
        photo.file.save(name, ContentFile(data), save=False)
        photo.save()

    return _transition(project, actor, "photo", allowed_from=set(S.values) - {S.CANCELLED, S.REJECTED}, to=None,
                       may=staff_may(actor), change=change, note=f"上传{Photo.Stage(stage).label}照片",
                       public=False, data={"stage": stage})


# ---------------------------------------------------------------------------------------------


def _tell_staff_later(p: Project, subject: str, body: str) -> None:
    from minsheng.accounts.selectors import users_with_role

    def send():
        from minsheng.notifications.services import notify_users

        try:
            users = {u.pk: u for role in (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY)
                     for u in users_with_role(role, town_id=p.town_id, community_id=p.community_id)}
            notify_users(list(users.values()), subject=subject[:120], body=body, link=f"/desk/projects/{p.pk}/")
        except Exception:
            log.exception("notification for project %s failed", p.pk)

    transaction.on_commit(send)


def kinds() -> list[tuple[str, str]]:
    return [(k.value, str(k.label)) for k in Kind]
