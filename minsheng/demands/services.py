"""Every change to a demand: intake and one function per transition (domain.md §3).

Each function runs in a transaction, locks the demand row, checks the caller's role and scope
(NotAllowed → 403) and the demand's state (Conflict → 409), changes the row, bumps its version and
writes a DemandEvent and its notices in the same transaction; notices are delivered after commit. The web pages, the API, the command line
and the importers all call these functions.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from minsheng.accounts.models import STAFF_ROLES, TERRITORIAL_ROLES, Role
from minsheng.accounts.selectors import covers
from minsheng.attachments import services as attachments
from minsheng.core import bulk
from minsheng.core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from minsheng.territory.models import Community, Grid, Town

from . import rules, signals
from .models import (
    ENDED_STATES,
    OPEN_STATES,
    CodeCounter,
    Complexity,
    Demand,
    DemandEvent,
    Extension,
    Kind,
    Resolution,
    Satisfaction,
    Status,
)

S = Status

# ---------------------------------------------------------------------------------------------
# Intake


def _next_code(prefix: str, at: datetime) -> str:
    year = timezone.localtime(at).year
    table, last = (connection.ops.quote_name(n) for n in (CodeCounter._meta.db_table, "last"))
    # One statement takes the next number (SQLite ≥ 3.35 and PostgreSQL both answer RETURNING).
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE prefix = %s AND year = %s RETURNING {last}",
                       [prefix, year])
        row = cursor.fetchone()
    if row is None:
        CodeCounter.objects.get_or_create(prefix=prefix, year=year)
        return _next_code(prefix, at)
    return f"{prefix}-{year}-{row[0]:05d}"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "居民"
    return actor.get_full_name() or actor.username


def _resolve_town(community: Community | None, grid: Grid | None, town: Town | None) -> Town:
    if grid is not None:
        return grid.community.town
    if community is not None:
        return community.town
    if town is not None:
        return town
    towns = list(Town.objects.all()[:2])
    if len(towns) == 1:
        return towns[0]
    raise InvalidInput("community: 请指明社区或地点", field="community")


def analyse_intake(*, text: str, channel: str, community: Community | None = None, grid: Grid | None = None,
                   town: Town | None = None, place_text: str = "", lat: float | None = None,
                   lon: float | None = None):
    """Triage a new demand's text before its write transaction opens (see `register(analysis=)`)."""
    from minsheng.triage.services import analyse

    text, channel = rules.clean_text(text), rules.clean_channel(channel)
    place_text = rules.clean_text(place_text, field="place", max_len=rules.MAX_PLACE, required=False)
    lat, lon = rules.clean_point(lat, lon)
    return analyse(text, town=_resolve_town(community, grid, town), place_text=place_text, lat=lat, lon=lon,
                   channel=channel)


def register(
    *, text: str, channel: str, actor=None, town: Town | None = None, community: Community | None = None,
    grid: Grid | None = None, place_text: str = "", lat: float | None = None, lon: float | None = None,
    reporter_name: str = "", reporter_phone: str = "", reporter_user=None, received_at: datetime | None = None,
    source_ref: str = "", source_line: int | None = None, category: str | None = None,
    urgent: bool | None = None, kind: str | None = None, run_triage: bool = True, actor_label: str | None = None,
    analysis=None,
) -> tuple[Demand, str]:
    """Register a new demand from any channel. Returns the demand and its tracking token.

    Triage (and its duplicate search) runs before the write transaction opens, so the database's
    write lock is held only for the inserts. A caller that wraps `register` in its own transaction
    passes `analysis=analyse_intake(...)` computed beforehand for the same reason.
    """
    text = rules.clean_text(text)
    channel = rules.clean_channel(channel)
    place_text = rules.clean_text(place_text, field="place", max_len=rules.MAX_PLACE, required=False)
    reporter_name = rules.clean_text(reporter_name, field="reporter_name", max_len=rules.MAX_NAME, required=False)
    reporter_phone = rules.clean_phone(reporter_phone)
    lat, lon = rules.clean_point(lat, lon)
    if grid is not None and community is not None and grid.community_id != community.pk:
        raise InvalidInput("grid: 网格不属于该社区", field="grid")
    if kind is not None and kind not in Kind.values:
        raise InvalidInput(f"kind: 须为 {'/'.join(Kind.values)}", field="kind")
    town = _resolve_town(community, grid, town or (analysis.town if analysis else None))

    if run_triage and analysis is None:
        from minsheng.triage.services import analyse

        analysis = analyse(text, town=town, place_text=place_text, lat=lat, lon=lon, channel=channel)
    if not run_triage:
        analysis = None
    if analysis is not None:
        if community is None and grid is None:
            community, grid = analysis.community, analysis.grid
        elif grid is None and analysis.grid is not None and analysis.grid.community_id == (community.pk if community else None):
            grid = analysis.grid
    if grid is not None and community is None:
        community = grid.community

    now = timezone.now()
    received_at = received_at or now
    prefix = community.code if community else town.code
    token = secrets.token_urlsafe(12)
    chosen_category = category or (analysis.category if analysis else "other")
    with transaction.atomic():
        demand = Demand.objects.create(
            code=_next_code(prefix, received_at),
            town=town, community=community, grid=grid,
            place=analysis.place if analysis and analysis.place and analysis.community == community else None,
            place_text=place_text, lat=lat, lon=lon, text=text, channel=channel,
            source_ref=source_ref[:120], source_line=source_line,
            reporter_name=reporter_name, reporter_phone=reporter_phone, reporter_user=reporter_user,
            tracking_digest=_digest(token),
            category=chosen_category,
            urgent=urgent if urgent is not None else bool(analysis and analysis.urgent),
            possibly_urgent=urgent is None and bool(analysis and analysis.possibly_urgent),
            kind=kind or (analysis.kind if analysis and analysis.kind else Kind.HELP),
            needs_classification=(category is None) and (analysis is None or analysis.needs_classification),
            triage=analysis.as_json() if analysis else {},
            received_at=received_at,
        )
        _event(demand, actor, "register", "", S.RECEIVED, note="", at=received_at, actor_label=actor_label,
               data={"channel": channel, "source_ref": source_ref, "source_line": source_line})
        signals.demand_changed.send(sender=Demand, before=None, after=demand)
        if analysis is not None and urgent is None:
            from minsheng.triage.tasks import schedule

            schedule(demand.code)
    return demand, token


# ---------------------------------------------------------------------------------------------
# Transition machinery


def _event(demand: Demand, actor, action: str, from_status: str, to_status: str, *, note: str = "",
           public: bool = True, data: dict | None = None, at: datetime | None = None,
           actor_label: str | None = None) -> DemandEvent:
    event = DemandEvent.objects.create(
        demand=demand, at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label or _actor_label(actor), action=action, from_status=from_status, to_status=to_status,
        note=note, public=public, data=data or {},
    )
    if action != "register" or demand.reporter_phone or demand.reporter_user_id or demand.urgent:
        from minsheng.notifications.services import on_demand_event

        # The notices are rows written in the same transaction as the change, so a committed change
        # always has its notices (and a rolled-back one none); delivery is queued after commit.
        on_demand_event(event)
    return event


def _is_staff(actor, d: Demand, role_set: Iterable[str] = STAFF_ROLES) -> bool:
    return covers(actor, town_id=d.town_id, community_id=d.community_id, grid_id=d.grid_id, role_set=role_set)


def _is_handler(actor, d: Demand) -> bool:
    return bool(actor and actor.is_authenticated and d.handler_id == actor.pk)


def _lock(demand: Demand | str) -> Demand:
    code = demand.code if isinstance(demand, Demand) else demand
    try:
        return Demand.objects.select_for_update().get(code=code)
    except Demand.DoesNotExist:
        raise NotFound(f"没有编号为 {code} 的诉求") from None


def _transition(
    demand: Demand | str, actor, action: str, *, allowed_from: Iterable[str], to: str | None,
    may: Callable[[Demand], bool], change: Callable[[Demand], None] | None = None, note: str = "",
    public: bool = True, data: dict | None = None, expected_version: int | None = None,
    actor_label: str | None = None,
) -> Demand:
    d = _lock(demand)
    inactive = actor is not None and actor.is_authenticated and not actor.is_active
    if inactive or not may(d):
        raise NotAllowed(f"无权对诉求 {d.code} 执行“{action}”")
    if expected_version is not None and expected_version != d.version:
        raise Conflict(f"诉求 {d.code} 已被他人更新，请刷新后重试")
    if d.status not in set(allowed_from):
        raise Conflict(f"诉求 {d.code} 当前状态为“{d.get_status_display()}”，不能执行“{action}”")
    before = d.status
    old = copy.copy(d)
    if change is not None:
        change(d)
    if to is not None:
        d.status = to
    d.version += 1
    d.save()
    signals.demand_changed.send(sender=Demand, before=old, after=d)
    _event(d, actor, action, before, d.status, note=note, public=public, data=data, actor_label=actor_label)
    return d


def staff(actor, d: Demand) -> bool:
    return _is_staff(actor, d)


def staff_or_handler(actor, d: Demand) -> bool:
    return _is_staff(actor, d) or _is_handler(actor, d)


# ---------------------------------------------------------------------------------------------
# One function per transition


@transaction.atomic
def accept(demand, actor, *, note: str = "", expected_version: int | None = None) -> Demand:
    def change(d):
        d.accepted_at = timezone.now()

    return _transition(demand, actor, "accept", allowed_from=[S.RECEIVED], to=S.ACCEPTED,
                       may=lambda d: staff(actor, d), change=change, note=note, expected_version=expected_version)


@transaction.atomic
def reject(demand, actor, *, reason: str, expected_version: int | None = None) -> Demand:
    reason = rules.clean_text(reason, field="reason", max_len=500)

    def change(d):
        d.reply = reason
        d.closed_at = timezone.now()

    return _transition(demand, actor, "reject", allowed_from=[S.RECEIVED], to=S.REJECTED,
                       may=lambda d: staff(actor, d), change=change, note=reason, expected_version=expected_version)


@transaction.atomic
def merge(demand, actor, *, into: str, expected_version: int | None = None) -> Demand:
    code = (into or "").strip()
    if not code:
        raise InvalidInput("into: 请填写要合并到的诉求编号", field="into")
    target = Demand.objects.select_for_update().filter(code=code).first()
    if target is None:
        raise InvalidInput(f"into: 没有编号为 {code} 的诉求", field="into")
    source_code = demand.code if isinstance(demand, Demand) else demand
    if target.code == source_code:
        raise InvalidInput("into: 不能合并到自身", field="into")
    if target.status not in OPEN_STATES or target.merged_into_id:
        raise Conflict(f"诉求 {target.code} 已结束，不能作为合并目标")

    def may(d):
        return staff(actor, d) and staff(actor, target) and d.town_id == target.town_id

    def change(d):
        d.merged_into = target
        d.closed_at = timezone.now()

    d = _transition(demand, actor, "merge", allowed_from=[S.RECEIVED, S.ACCEPTED], to=S.MERGED, may=may,
                    change=change, note=f"合并到 {target.code}", data={"into": target.code},
                    expected_version=expected_version)
    _event(target, actor, "absorb", target.status, target.status, note=f"合并了 {d.code}", public=False,
           data={"from": d.code})
    return d


@transaction.atomic
def answer(demand, actor, *, reply: str, expected_version: int | None = None) -> Demand:
    reply = rules.clean_text(reply, field="reply", max_len=rules.MAX_TEXT)

    def change(d):
        now = timezone.now()
        d.reply = reply
        d.contacted_at = d.contacted_at or now
        d.completed_at = now

    return _transition(demand, actor, "answer", allowed_from=[S.ACCEPTED], to=S.ANSWERED,
                       may=lambda d: staff(actor, d), change=change, note=reply, expected_version=expected_version)


def handler_choices(d: Demand):
    """Users who may be assigned: handlers of the demand's community or town."""
    from minsheng.accounts.selectors import users_with_role

    return users_with_role(Role.HANDLER, town_id=d.town_id, community_id=d.community_id)


@transaction.atomic
def assign(demand, actor, *, handler: str, complexity: str | None = None, note: str = "",
           expected_version: int | None = None) -> Demand:
    from django.contrib.auth import get_user_model

    if complexity is not None and complexity not in Complexity.values:
        raise InvalidInput(f"complexity: 须为 {'/'.join(Complexity.values)}", field="complexity")
    user = get_user_model().objects.filter(username=handler or "", is_active=True).first()
    if user is None:
        raise InvalidInput(f"handler: 没有用户名为“{handler}”的承办人", field="handler")

    def may(d):
        if not staff(actor, d):
            return False
        if not handler_choices(d).filter(pk=user.pk).exists():
            raise InvalidInput(f"handler: {handler} 不是本社区或本镇的承办人", field="handler")
        return True

    def change(d):
        # The first assignment is what the response rate measures; a reassignment or a reopened
        # demand gets a new completion deadline from now.
        now = timezone.now()
        d.handler = user
        d.handler_label = user.get_full_name() or user.username
        if complexity:
            d.complexity = complexity
        if d.assigned_at is None:
            d.assigned_at = now
            d.contact_deadline = rules.contact_deadline(now, urgent=d.urgent)
        d.due_at = rules.completion_deadline(now, urgent=d.urgent, complexity=d.complexity)
        d.completed_at = None
        d.reminded_at = None

    return _transition(demand, actor, "assign", allowed_from=[S.ACCEPTED, S.REOPENED, S.ASSIGNED], to=S.ASSIGNED,
                       may=may, change=change, note=note, data={"handler": user.username, "complexity": complexity},
                       expected_version=expected_version)


@transaction.atomic
def contact(demand, actor, *, note: str = "", expected_version: int | None = None) -> Demand:
    note = rules.clean_text(note, field="note", max_len=rules.MAX_TEXT, required=False)

    def change(d):
        if d.contacted_at is None:
            d.contacted_at = timezone.now()

    return _transition(demand, actor, "contact", allowed_from=[S.ASSIGNED, S.IN_PROGRESS], to=S.IN_PROGRESS,
                       may=lambda d: staff_or_handler(actor, d), change=change, note=note,
                       expected_version=expected_version)


@transaction.atomic
def reply(demand, actor, *, reply: str, expected_version: int | None = None) -> Demand:
    text = rules.clean_text(reply, field="reply", max_len=rules.MAX_TEXT)

    def change(d):
        d.reply = text
        d.completed_at = timezone.now()

    return _transition(demand, actor, "reply", allowed_from=[S.IN_PROGRESS], to=S.REPLIED,
                       may=lambda d: staff_or_handler(actor, d), change=change, note=text,
                       expected_version=expected_version)


MAX_EXTENSION_DAYS = 30


@transaction.atomic
def extend(demand, actor, *, days: int, reason: str, expected_version: int | None = None) -> Demand:
    """Extend the completion deadline; the approving staff member is the actor. Shown to the reporter."""
    reason = rules.clean_text(reason, field="reason", max_len=500)
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(f"days: 须为 1 到 {MAX_EXTENSION_DAYS} 之间的整数", field="days")

    def change(d):
        old = d.due_at
        d.due_at = old + timedelta(days=days)
        d.reminded_at = None
        Extension.objects.create(demand=d, days=days, reason=reason, requested_by=d.handler or actor,
                                 approved_by=actor, old_due_at=old, new_due_at=d.due_at)

    return _transition(demand, actor, "extend", allowed_from=[S.ASSIGNED, S.IN_PROGRESS], to=None,
                       may=lambda d: staff(actor, d), change=change, note=f"延期 {days} 天：{reason}",
                       data={"days": days}, expected_version=expected_version)


MAX_REOPENS = 2


def _alert_town(d: Demand, message: str) -> None:
    from minsheng.notifications.services import alert_town

    transaction.on_commit(lambda: alert_town(d.pk, message))


@transaction.atomic
def callback(demand, actor, *, resolution: str, satisfaction: str, note: str = "",
             handler_fault: bool = True, by_reporter: bool = False, expected_version: int | None = None) -> Demand:
    """Record the callback (回访). Unresolved or dissatisfied for the handler's reasons reopens the demand
    (at most twice; after that the town is alerted). `by_reporter`: the reporter rates through the
    tracking link (the caller has checked the token)."""
    if resolution not in Resolution.values:
        raise InvalidInput(f"resolution: 须为 {'/'.join(Resolution.values)}", field="resolution")
    if satisfaction not in Satisfaction.values:
        raise InvalidInput(f"satisfaction: 须为 {'/'.join(Satisfaction.values)}", field="satisfaction")
    note = rules.clean_text(note, field="note", max_len=500, required=False)
    bad = resolution == Resolution.UNRESOLVED or satisfaction == Satisfaction.DISSATISFIED
    alert: list[str] = []

    def may(d):
        return by_reporter or staff(actor, d)

    def change(d):
        if d.status == S.CALLBACK and d.callback_at is not None:
            raise Conflict(f"诉求 {d.code} 已回访")
        d.callback_at = timezone.now()
        d.resolution = resolution
        d.satisfaction = satisfaction
        d.status = S.CALLBACK
        if bad and handler_fault:
            if d.reopen_count < MAX_REOPENS:
                d.reopen_count += 1
                d.status = S.REOPENED
                if d.reopen_count >= MAX_REOPENS:
                    alert.append(f"诉求 {d.code} 回访不满意，已第 {d.reopen_count} 次重办")
            else:
                d.escalated = True
                alert.append(f"诉求 {d.code} 重办 {d.reopen_count} 次后回访仍不满意，请镇级督办")

    d = _transition(demand, actor, "callback", allowed_from=[S.ANSWERED, S.REPLIED, S.CALLBACK], to=None,
                    may=may, change=change, note=note, actor_label="诉求人" if by_reporter else None,
                    data={"resolution": resolution, "satisfaction": satisfaction, "by_reporter": by_reporter,
                          "handler_fault": handler_fault}, expected_version=expected_version)
    for message in alert:
        _alert_town(d, message)
    return d


def reopen(demand, actor, *, note: str = "", expected_version: int | None = None) -> Demand:
    """Reopen after callback. A third reopening is refused (409); the town is alerted instead and the
    demand flagged as escalated — that part is committed even though the reopening is refused."""
    code = demand.code if isinstance(demand, Demand) else demand
    with transaction.atomic():
        d = _lock(code)
        over_limit = d.reopen_count >= MAX_REOPENS and d.status in (S.CALLBACK, S.CLOSED) and staff(actor, d)
        if over_limit:
            if not d.escalated:
                Demand.objects.filter(pk=d.pk).update(escalated=True)
                _event(d, actor, "escalate", d.status, d.status, note="重办次数已满，提请镇级督办", public=False)
            _alert_town(d, f"诉求 {d.code} 已重办 {d.reopen_count} 次，请镇级督办")
    if over_limit:
        raise Conflict(f"诉求 {d.code} 已重办 {d.reopen_count} 次，不能再重办，已提请镇级督办")

    def change(d):
        d.reopen_count += 1
        d.closed_at = None

    with transaction.atomic():
        d = _transition(code, actor, "reopen", allowed_from=[S.CALLBACK, S.CLOSED], to=S.REOPENED,
                        may=lambda d: staff(actor, d), change=change, note=note, expected_version=expected_version)
        if d.reopen_count >= MAX_REOPENS:
            _alert_town(d, f"诉求 {d.code} 已第 {d.reopen_count} 次重办")
    return d


@transaction.atomic
def close(demand, actor, *, note: str = "", expected_version: int | None = None) -> Demand:
    def change(d):
        if d.callback_at is None:
            raise Conflict(f"诉求 {d.code} 尚未回访，不能结案")
        d.closed_at = timezone.now()

    return _transition(demand, actor, "close", allowed_from=[S.CALLBACK], to=S.CLOSED,
                       may=lambda d: staff(actor, d), change=change, note=note,
                       expected_version=expected_version)


@transaction.atomic
def archive(demand, actor, *, expected_version: int | None = None) -> Demand:
    return _transition(demand, actor, "archive", allowed_from=[S.CLOSED, S.REJECTED, S.MERGED], to=S.ARCHIVED,
                       may=lambda d: staff(actor, d), public=False, expected_version=expected_version)


@transaction.atomic
def escalate(demand, actor, *, note: str = "", expected_version: int | None = None) -> Demand:
    """吹哨: raise the demand to the town. A flag, not a state."""

    def may(d):
        return _is_staff(actor, d, TERRITORIAL_ROLES) or _is_handler(actor, d)

    def change(d):
        if d.escalated:
            raise Conflict(f"诉求 {d.code} 已经吹哨")
        d.escalated = True

    d = _transition(demand, actor, "escalate", allowed_from=OPEN_STATES | {S.CALLBACK}, to=None, may=may,
                    change=change, note=note, public=False, expected_version=expected_version)
    _alert_town(d, f"诉求 {d.code} 吹哨上报：{note or d.text[:40]}")
    return d


@transaction.atomic
def supervise(demand, actor, *, note: str = "", expected_version: int | None = None) -> Demand:
    """督办 by the town: a flag, not a state."""

    def change(d):
        d.supervised = True

    return _transition(demand, actor, "supervise", allowed_from=set(S.values) - ENDED_STATES, to=None,
                       may=lambda d: _is_staff(actor, d, {Role.TOWN_ADMIN}), change=change, note=note,
                       public=False, expected_version=expected_version)


@transaction.atomic
def classify(demand, actor, *, category: str | None = None, urgent: bool | None = None, kind: str | None = None,
             community: str | None = None, grid: str | None = None, expected_version: int | None = None) -> Demand:
    """Staff set or correct category, urgency, type and place. Corrections are kept as labelled feedback."""
    from .models import Category

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

    def may(d):
        return _is_staff(actor, d, TERRITORIAL_ROLES)

    return _transition(demand, actor, "classify", allowed_from=set(S.values) - ENDED_STATES, to=None, may=may,
                       change=change, note="", public=False, data={"changes": changes, "feedback": True},
                       expected_version=expected_version)


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


# Called by the projects app when a project answering these demands enters service.
@transaction.atomic
def project_in_service(demand, actor, *, project_title: str) -> Demand:
    def change(d):
        now = timezone.now()
        d.completed_at = d.completed_at or now
        d.contacted_at = d.contacted_at or now
        d.reply = d.reply or f"项目“{project_title}”已建成投用"
        d.callback_at = None

    return _transition(demand, actor, "project_done", allowed_from=OPEN_STATES - {S.RECEIVED} | {S.REPLIED},
                       to=S.CALLBACK, may=lambda d: True, change=change, note=f"项目“{project_title}”已投用，待回访")


def check_tracking(d: Demand, token: str) -> bool:
    return bool(token) and bool(d.tracking_digest) and secrets.compare_digest(d.tracking_digest, _digest(token))


# ---------------------------------------------------------------------------------------------
# Attachments

MAX_ATTACHMENTS = 9


@transaction.atomic
def add_attachment(demand, actor, upload, *, by_reporter: bool = False) -> Demand:
    photo = attachments.clean_photo(upload)

    def may(d):
        return by_reporter or staff_or_handler(actor, d) or _is_staff(actor, d, TERRITORIAL_ROLES)

    def change(d):
        if d.attachments.count() >= MAX_ATTACHMENTS:
            raise InvalidInput(f"file: 每件诉求最多 {MAX_ATTACHMENTS} 张图片", field="file")
        attachments.store(d, photo, actor=actor)

    return _transition(demand, actor, "attach", allowed_from=set(S.values) - ENDED_STATES, to=None, may=may,
                       change=change, note="上传图片", public=False, actor_label="诉求人" if by_reporter else None)


# ---------------------------------------------------------------------------------------------
# Imported history (the 民情台账): bulk, all or nothing, keeping past times and outcomes.

IMPORT_BATCH = 1000


def _imported_status(r) -> str:
    if r.callback_at or r.resolution or r.satisfaction:
        return S.CLOSED
    if r.completed_at:
        return S.REPLIED
    if r.contacted_at:
        return S.IN_PROGRESS
    if r.assigned_at:
        return S.ASSIGNED
    return S.RECEIVED


def _history_events(d: Demand, r) -> list[dict]:
    note = "台账导入"
    steps = [("register", d.received_at, "", S.RECEIVED)]
    if r.assigned_at:
        steps.append(("assign", r.assigned_at, S.RECEIVED, S.ASSIGNED))
    if r.contacted_at:
        steps.append(("contact", r.contacted_at, S.ASSIGNED, S.IN_PROGRESS))
    if r.completed_at:
        steps.append(("reply", r.completed_at, S.IN_PROGRESS, S.REPLIED))
    if d.status == S.CLOSED:
        steps.append(("callback", r.callback_at or r.completed_at or d.received_at, S.REPLIED, S.CLOSED))
    return [
        {"demand_id": d.pk, "at": at, "actor_id": None, "actor_label": "台账导入", "action": action,
         "from_status": a, "to_status": b, "note": note, "public": False, "data": {"import": True}}
        for action, at, a, b in steps
    ]


def import_history(rows: list, *, dry_run: bool = False) -> tuple[int, int]:
    """Write ledger rows as demands with their past times and outcomes. Rows whose 编号 already exists
    are left as they are (re-importing creates nothing). Returns (created, existing)."""
    import re

    from minsheng.triage.services import analyse

    with transaction.atomic():
        existing_codes: set[str] = set()
        codes = [r.code for r in rows]
        for i in range(0, len(codes), IMPORT_BATCH):
            existing_codes.update(Demand.objects.filter(code__in=codes[i:i + IMPORT_BATCH]).values_list("code", flat=True))
        new_rows = [r for r in rows if r.code not in existing_codes]
        if dry_run:
            return len(new_rows), len(rows) - len(new_rows)
        handlers = _handler_lookup({r.handler_label for r in new_rows if r.handler_label})
        load = signals.BulkLoad()
        for i in range(0, len(new_rows), IMPORT_BATCH):
            batch = []
            for r in new_rows[i:i + IMPORT_BATCH]:
                analysis = None
                if r.category is None or (r.grid is None and r.place_text):
                    analysis = analyse(r.text, town=r.community.town, place_text=r.place_text, duplicates=False)
                grid = r.grid or (analysis.grid if analysis and analysis.community == r.community else None)
                d = Demand(
                    code=r.code, town=r.community.town, community=r.community, grid=grid,
                    place=analysis.place if analysis and analysis.community == r.community else None,
                    place_text=r.place_text, text=r.text, channel=r.channel, source_ref="ledger",
                    source_line=r.row, reporter_name=r.reporter_name, reporter_phone=r.reporter_phone,
                    category=r.category or analysis.category, urgent=r.urgent, complexity=r.complexity,
                    needs_classification=r.category is None and analysis.needs_classification,
                    triage=analysis.as_json() if analysis else {}, handler=handlers.get(r.handler_label),
                    handler_label=r.handler_label, received_at=r.received_at, assigned_at=r.assigned_at,
                    contacted_at=r.contacted_at, completed_at=r.completed_at, callback_at=r.callback_at,
                    resolution=r.resolution, satisfaction=r.satisfaction,
                )
                if r.assigned_at:
                    d.accepted_at = r.assigned_at
                    d.contact_deadline = rules.contact_deadline(r.assigned_at, urgent=r.urgent)
                    d.due_at = rules.completion_deadline(r.assigned_at, urgent=r.urgent, complexity=r.complexity)
                d.status = _imported_status(r)
                if d.status == S.CLOSED:
                    d.closed_at = r.callback_at or r.completed_at
                batch.append((d, r))
            created = [d for d, _ in batch]
            bulk.insert(created)
            signals.demands_created.send(sender=Demand, demands=created, load=load)
            bulk.insert_values(DemandEvent, [e for d, (_, r) in zip(created, batch, strict=True)
                                             for e in _history_events(d, r)])
        signals.load_finished.send(sender=Demand, load=load)
        # Keep generated codes clear of imported ones (CL-2026-00042 → the counter is at least 42).
        highest: dict[tuple[str, int], int] = {}
        for r in new_rows:
            m = re.fullmatch(r"([A-Z]{1,8})-(\d{4})-(\d{1,7})", r.code)
            if m:
                key = (m.group(1), int(m.group(2)))
                highest[key] = max(highest.get(key, 0), int(m.group(3)))
        for (prefix, year), number in highest.items():
            counter, _ = CodeCounter.objects.select_for_update().get_or_create(prefix=prefix, year=year)
            if counter.last < number:
                CodeCounter.objects.filter(pk=counter.pk).update(last=number)
    return len(new_rows), len(rows) - len(new_rows)




def _handler_lookup(labels: set[str]) -> dict:
    """Ledger 承办人 names that are usernames (or display names) of handlers → users."""
    from django.contrib.auth import get_user_model

    if not labels:
        return {}
    users = get_user_model().objects.filter(memberships__role=Role.HANDLER).distinct()
    out = {}
    for u in users:
        for name in (u.username, u.get_full_name()):
            if name in labels:
                out[name] = u
    return out


# Called by the no-answer job (minsheng.kpis.tasks) when the reporter has not rated in time.
@transaction.atomic
def callback_no_answer(demand) -> Demand:
    """Record 未评价 (no answer) for a demand still waiting for its callback: satisfaction `no_answer`,
    resolution left blank (so the demand is in neither rate's denominator). Never reopens. Conflict
    (409) when the demand is no longer waiting (rated meanwhile, or already recorded)."""

    def change(d):
        if not d.awaiting_callback:
            raise Conflict(f"诉求 {d.code} 不在待回访状态")
        d.callback_at = timezone.now()
        d.resolution = ""
        d.satisfaction = Satisfaction.NO_ANSWER
        d.status = S.CALLBACK

    return _transition(demand, None, "callback", allowed_from=[S.ANSWERED, S.REPLIED, S.CALLBACK], to=None,
                       may=lambda d: True, change=change, note="逾期未评价，记为“未评价”", actor_label="系统",
                       data={"resolution": "", "satisfaction": Satisfaction.NO_ANSWER, "by_reporter": False,
                             "no_answer": True})
