"""The demand's state machine (domain.md §3): one rule per action, and the machinery every demand
service runs a change through (`minsheng.core.workflow`).

The rule table is what the services enforce and what the pages ask (`allowed_actions`), so a button
never restates a rule. Every change locks the row, checks the actor, the version and the state,
saves, sends `signals.demand_changed` (the KPI counters follow it) and writes a DemandEvent with its
notices, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from minsheng.accounts.models import STAFF_ROLES, TERRITORIAL_ROLES, Role
from minsheng.accounts.selectors import covers
from minsheng.core import workflow
from minsheng.core.errors import Conflict, NotFound
from minsheng.core.workflow import Rule

from . import signals
from .models import ENDED_STATES, OPEN_STATES, Demand, DemandEvent, Status
from .notices import alert_town, on_demand_event

S = Status


def _actor_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return "居民"
    return actor.get_full_name() or actor.username


def _event(demand: Demand, actor, action: str, from_status: str, to_status: str, *, note: str = "",
           public_note: str = "", public: bool = True, data: dict | None = None, at: datetime | None = None,
           actor_label: str | None = None, notify: bool = True) -> DemandEvent:
    event = DemandEvent.objects.create(
        demand=demand, at=at or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=actor_label or _actor_label(actor), action=action, from_status=from_status, to_status=to_status,
        note=note, public_note=public_note if public else "", public=public, data=data or {},
    )
    if notify and (action != "register" or demand.urgent):
        # The notices are rows written in the same transaction as the change, so a committed change
        # always has its notices (and a rolled-back one none); delivery is queued after commit.
        on_demand_event(event)
    return event


def _alert_town(d: Demand, message: str) -> None:
    transaction.on_commit(lambda: alert_town(d.pk, message))


def _is_staff(actor, d: Demand, role_set: Iterable[str] = STAFF_ROLES) -> bool:
    return covers(actor, town_id=d.town_id, community_id=d.community_id, grid_id=d.grid_id, role_set=role_set)


def _is_handler(actor, d: Demand) -> bool:
    return bool(actor and actor.is_authenticated and d.handler_id == actor.pk)


def staff(actor, d: Demand) -> bool:
    return _is_staff(actor, d)


def staff_or_handler(actor, d: Demand) -> bool:
    return _is_staff(actor, d) or _is_handler(actor, d)


def territorial(actor, d: Demand) -> bool:
    return _is_staff(actor, d, TERRITORIAL_ROLES)


def _territorial_or_handler(actor, d: Demand) -> bool:
    return territorial(actor, d) or _is_handler(actor, d)


def _town_admin(actor, d: Demand) -> bool:
    return _is_staff(actor, d, {Role.TOWN_ADMIN})


def _attacher(actor, d: Demand) -> bool:
    return staff_or_handler(actor, d) or territorial(actor, d)


def _anyone(actor, d: Demand) -> bool:
    return True


def _states(*states: str) -> frozenset[str]:
    return frozenset(states)


NOT_ENDED = frozenset(S.values) - ENDED_STATES

# action → Rule(allowed_from, to, may(actor, demand), offer(demand)). `offer` is when a page shows
# the button beyond state and role (the service refuses the other cases itself, or lets them pass).
RULES: dict[str, Rule] = {
    "accept": Rule(_states(S.RECEIVED), S.ACCEPTED, staff),
    "reject": Rule(_states(S.RECEIVED), S.REJECTED, staff),
    "merge": Rule(_states(S.RECEIVED, S.ACCEPTED), S.MERGED, staff),
    "answer": Rule(_states(S.ACCEPTED), S.ANSWERED, staff),
    "assign": Rule(_states(S.ACCEPTED, S.REOPENED, S.ASSIGNED), S.ASSIGNED, staff),
    "contact": Rule(_states(S.ASSIGNED, S.IN_PROGRESS), S.IN_PROGRESS, staff_or_handler),
    "reply": Rule(_states(S.IN_PROGRESS), S.REPLIED, staff_or_handler),
    "extend": Rule(_states(S.ASSIGNED, S.IN_PROGRESS), None, staff, offer=lambda d: bool(d.due_at)),
    # The callback sets the state itself (callback, or reopened when unresolved).
    "callback": Rule(_states(S.ANSWERED, S.REPLIED, S.CALLBACK), None, staff,
                     offer=lambda d: d.awaiting_callback),
    "reopen": Rule(_states(S.CALLBACK, S.CLOSED), S.REOPENED, staff, offer=lambda d: d.callback_at is not None),
    "close": Rule(_states(S.CALLBACK), S.CLOSED, staff, offer=lambda d: d.callback_at is not None),
    "escalate": Rule(OPEN_STATES | {S.CALLBACK}, None, _territorial_or_handler, offer=lambda d: not d.escalated),
    "classify": Rule(NOT_ENDED, None, territorial),
    "archive": Rule(_states(S.CLOSED, S.REJECTED, S.MERGED), S.ARCHIVED, staff),
    "supervise": Rule(NOT_ENDED, None, _town_admin),
    "attach": Rule(NOT_ENDED, None, _attacher),
    # A project answering the demand entered service (projects.services.inspect).
    # The reporter of a merged report rates the surviving demand's result (never offered to staff).
    "rate_merged": Rule(_states(S.MERGED), None, lambda actor, d: False, offer=lambda d: False),
    "project_done": Rule(OPEN_STATES - {S.RECEIVED} | {S.REPLIED}, S.CALLBACK, _anyone),
}


def _inactive(actor) -> bool:
    return actor is not None and actor.is_authenticated and not actor.is_active


def allowed_actions(d: Demand, actor) -> list[str]:
    """The actions this actor may take on this demand now, from the rules the services enforce
    (read only: the service still decides under its lock)."""
    if _inactive(actor):
        return []
    return workflow.allowed(RULES, d, actor)


def _lock(demand: Demand | str) -> Demand:
    code = demand.code if isinstance(demand, Demand) else demand
    try:
        return Demand.objects.select_for_update().get(code=code)
    except Demand.DoesNotExist:
        raise NotFound(f"没有编号为 {code} 的诉求") from None


def _record(old: Demand, d: Demand, before: str, action: str, actor, *, note: str = "", public_note: str = "",
            public: bool = True, data: dict | None = None, actor_label: str | None = None) -> None:
    signals.demand_changed.send(sender=Demand, before=old, after=d)
    _event(d, actor, action, before, d.status, note=note, public_note=public_note, public=public, data=data,
           actor_label=actor_label)


MACHINE = workflow.Machine(lock=_lock, name=lambda d: f"诉求 {d.code} ", record=_record)


def _transition(
    demand: Demand | str, actor, action: str, *, may: Callable[[Demand], bool] | None = None,
    change: Callable[[Demand], None] | None = None, note: str = "", public_note: str = "", public: bool = True,
    data: dict | None = None, expected_version: int | None = None, actor_label: str | None = None,
) -> Demand:
    """Run `action` by its rule in RULES; `may` replaces the rule's check of the actor when given."""
    rule = RULES[action]
    check = may or (lambda d: rule.may(actor, d))
    return workflow.run(MACHINE, demand, actor, action, allowed_from=rule.allowed_from, to=rule.to,
                        may=lambda d: not _inactive(actor) and check(d), change=change,
                        expected_version=expected_version, note=note, public_note=public_note, public=public, data=data,
                        actor_label=actor_label)


@transaction.atomic
def act_checked(code: str, version: int | None, call: Callable[[Demand | str], Demand], *,
                lock: bool = True) -> Demand:
    """Run one service call for the demand `code`, refusing (409) when the caller's `version` is stale.

    The transitions check `expected_version` themselves; this also covers any that does not (e.g. a
    callback), by checking under the row lock in the same transaction. `lock=False` for transitions
    that lock more than one row in their own order (merge)."""
    qs = Demand.objects.select_for_update() if lock else Demand.objects.all()
    d = qs.filter(code=code).first()
    if d is not None and version is not None and version != d.version:
        raise Conflict(f"诉求 {code} 已被他人更新，请刷新后重试")
    return call(d if d is not None else code)
