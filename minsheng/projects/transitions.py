"""The micro-project's state machine (domain.md §4): its clock, who may do what, one rule per action
and the machinery every project service runs a change through (`minsheng.core.workflow`).

Each change locks the project row, checks the actor (NotAllowed → 403), the version and the state
(Conflict → 409) by the rule in RULES, saves with a new version and writes a ProjectEvent, all in the
caller's transaction. Anything refused changes nothing.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from minsheng.accounts.models import STAFF_ROLES, Role
from minsheng.accounts.selectors import covers, users_with_role
from minsheng.core import workflow
from minsheng.core.errors import InvalidInput, NotFound
from minsheng.core.workflow import Rule
from minsheng.notifications.services import notify_users

from . import rules
from .models import CANCELLABLE, ENDED, Project, ProjectEvent, Status

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


ACTION_NAMES = {
    "create": _("提议"), "update": _("修改"), "screen": _("初审"), "deliberate": _("提交议事"), "vote": _("表决"),
    "notice": _("公示"), "object": _("提出异议"), "answer_objection": _("答复异议"), "approve": _("立项"),
    "implement": _("开始实施"), "progress": _("报告进度"), "spend": _("记录支出"), "complete": _("完工报验"),
    "inspect": _("验收"), "evaluate": _("测评"), "archive": _("归档"), "cancel": _("取消"), "support": _("支持"),
    "photo": _("上传照片"),
}
# What the public timeline shows instead of a name (stored in Chinese, translated on display).
ROLE_LABELS = [_("镇"), _("社区"), _("验收人"), _("居民"), _("管理员")]


def _staff(actor, p: Project) -> bool:
    return is_staff(actor, p)


def _inspector(actor, p: Project) -> bool:
    return is_inspector(actor, p)


def _anyone(actor, p: Project) -> bool:
    return True


def _caller_decides(actor, p: Project) -> bool:
    # The support rule's check (services.is_resident) is passed by `services.support` itself.
    return False


SPENDING_STATES = frozenset({S.APPROVED, S.IMPLEMENTING, S.INSPECTION, S.IN_SERVICE, S.EVALUATED})
SUPPORT_STATES = frozenset({S.PROPOSED, S.SCREENED, S.DELIBERATING, S.NOTICED})


def _states(*states: str) -> frozenset[str]:
    return frozenset(states)


# action → Rule(allowed_from, to, may(actor, project)). `to` None: the state stays, or the action's
# change picks it (screen, vote, inspect).
RULES: dict[str, Rule] = {
    "update": Rule(frozenset(S.values) - ENDED, None, _staff),
    "screen": Rule(_states(S.PROPOSED), None, _staff),
    "deliberate": Rule(_states(S.SCREENED), S.DELIBERATING, _staff),
    "vote": Rule(_states(S.DELIBERATING), None, _staff),
    "notice": Rule(_states(S.DELIBERATING), S.NOTICED, _staff),
    "object": Rule(_states(S.NOTICED), None, _anyone),
    "answer_objection": Rule(_states(S.NOTICED), None, _staff),
    "approve": Rule(_states(S.NOTICED), S.APPROVED, _staff),
    "implement": Rule(_states(S.APPROVED), S.IMPLEMENTING, _staff),
    "progress": Rule(_states(S.IMPLEMENTING), None, _staff),
    "spend": Rule(SPENDING_STATES, None, _staff),
    "complete": Rule(_states(S.IMPLEMENTING), S.INSPECTION, _staff),
    "inspect": Rule(_states(S.INSPECTION), None, _inspector),
    "evaluate": Rule(_states(S.IN_SERVICE), S.EVALUATED, _staff),
    "archive": Rule(_states(S.EVALUATED), S.ARCHIVED, _staff),
    "cancel": Rule(frozenset(CANCELLABLE), S.CANCELLED, _staff),
    "support": Rule(SUPPORT_STATES, None, _caller_decides),
    "photo": Rule(frozenset(S.values) - {S.CANCELLED, S.REJECTED}, None, _staff),
}


def allowed_actions(p: Project, actor) -> list[str]:
    """The actions this actor may take on this project now, by the rules the services enforce."""
    return workflow.allowed(RULES, p, actor)


def _record(old: Project, p: Project, before: str, action: str, actor, *, note: str = "", public: bool = True,
            data: dict | None = None) -> None:
    _event(p, actor, action, before, p.status, note=note, public=public, data=data)


MACHINE = workflow.Machine(lock=_lock, name=lambda p: f"项目“{p.title}”", record=_record,
                           action_name=lambda action: ACTION_NAMES.get(action, action))


def _transition(
    project: Project | int, actor, action: str, *, may: Callable[[Project], bool] | None = None,
    change: Callable[[Project], str | None] | None = None, note: str = "", public: bool = True,
    data: dict | None = None, expected_version: int | None = None,
) -> Project:
    """Run `action` by its rule in RULES; `may` replaces the rule's check of the actor when given."""
    rule = RULES[action]
    return workflow.run(MACHINE, project, actor, action, allowed_from=rule.allowed_from, to=rule.to,
                        may=may or (lambda p: rule.may(actor, p)), change=change,
                        expected_version=expected_version, note=note, public=public, data=data)


def staff_may(actor) -> Callable[[Project], bool]:
    return lambda p: is_staff(actor, p)


def _tell_staff_later(p: Project, subject: str, body: str) -> None:
    def send():
        try:
            users = {u.pk: u for role in (Role.COMMUNITY_STAFF, Role.COMMUNITY_SECRETARY)
                     for u in users_with_role(role, town_id=p.town_id, community_id=p.community_id)}
            notify_users(list(users.values()), subject=subject[:120], body=body, link=f"/desk/projects/{p.pk}/")
        except Exception:
            log.exception("notification for project %s failed", p.pk)

    transaction.on_commit(send)


# ---------------------------------------------------------------------------------------------
# Helpers several actions share


def _clean_date(value, *, field: str) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field}: 日期格式应为 YYYY-MM-DD", field=field) from None


def _refresh_flags(p: Project) -> list[dict]:
    names = list(p.items.values_list("name", flat=True))
    flags = []
    duty = rules.property_duty_flag(p.title, p.plan, names)
    if duty:
        flags.append(duty)
    flags += rules.duplicate_flags(p.pk, p.community_id, p.title, names)
    p.flags = flags
    return flags


def _recompute_progress(p: Project) -> Decimal:
    phases = list(p.phases.all())
    total = sum(ph.weight for ph in phases)
    value = Decimal(sum(ph.weight * ph.percent for ph in phases)) / total if total else Decimal(0)
    p.progress = value.quantize(Decimal("0.1"))
    return p.progress
