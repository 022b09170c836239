"""Reads and small helpers used only by the web pages (views.py).

Kept apart from selectors.py/services.py so the pages can grow without touching the shared
business code. Nothing here changes a demand except through `services`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from minsheng.accounts.models import STAFF_ROLES, TERRITORIAL_ROLES, Role
from minsheng.accounts.selectors import covers, has_role, is_staff_member, memberships, roles, visible
from minsheng.core.errors import Conflict
from minsheng.territory.models import Community, Grid

from . import idempotency, services
from .models import ENDED_STATES, OPEN_STATES, Demand, DemandEvent, Status

S = Status

# ---------------------------------------------------------------------------------------------
# Who may do what on the pages


def can_use_desk(user) -> bool:
    """The staff worklist is for territorial staff, handlers and inspectors (not residents)."""
    return bool(getattr(user, "is_authenticated", False)) and is_staff_member(user)


def can_bulk_assign(user) -> bool:
    return has_role(user, STAFF_ROLES)


def reporter_account(user):
    """The signed-in user as the reporter of an online submission: only a resident."""
    if getattr(user, "is_authenticated", False) and Role.RESIDENT in roles(user):
        return user
    return None


def available_actions(user, d: Demand) -> list[str]:
    """The actions that make sense for this demand's state and the user's role (the services still
    decide; this only keeps the page free of buttons that would certainly be refused)."""
    staff = services.staff(user, d)
    handler = bool(d.handler_id) and d.handler_id == user.pk
    territorial = covers(user, town_id=d.town_id, community_id=d.community_id, grid_id=d.grid_id,
                         role_set=TERRITORIAL_ROLES)
    s = d.status
    acts: list[str] = []
    if staff and s == S.RECEIVED:
        acts += ["accept", "reject"]
    if staff and s in (S.RECEIVED, S.ACCEPTED):
        acts.append("merge")
    if staff and s == S.ACCEPTED:
        acts.append("answer")
    if staff and s in (S.ACCEPTED, S.REOPENED, S.ASSIGNED):
        acts.append("assign")
    if (staff or handler) and s in (S.ASSIGNED, S.IN_PROGRESS):
        acts.append("contact")
    if (staff or handler) and s == S.IN_PROGRESS:
        acts.append("reply")
    if staff and s in (S.ASSIGNED, S.IN_PROGRESS) and d.due_at:
        acts.append("extend")
    if staff and d.awaiting_callback:
        acts.append("callback")
    if staff and s in (S.CALLBACK, S.CLOSED) and d.callback_at is not None:
        acts.append("reopen")
    if staff and s == S.CALLBACK and d.callback_at is not None:
        acts.append("close")
    if (territorial or handler) and not d.escalated and (s in OPEN_STATES or s == S.CALLBACK):
        acts.append("escalate")
    if territorial and s not in ENDED_STATES:
        acts.append("classify")
    return acts


@transaction.atomic
def act_checked(code: str, version: int | None, call: Callable[[Demand], Demand], *, lock: bool = True) -> Demand:
    """Run one service call for the demand `code`, refusing (409) when the page's `version` is stale.

    The services check `expected_version` themselves; this also covers any transition that does not
    (e.g. callback), by checking under the row lock in the same transaction. `lock=False` for
    transitions that lock more than one row in their own order (merge)."""
    qs = Demand.objects.select_for_update() if lock else Demand.objects.all()
    d = qs.filter(code=code).first()
    if d is not None and version is not None and version != d.version:
        raise Conflict(f"诉求 {code} 已被他人更新，请刷新后重试")
    return call(d if d is not None else code)


# ---------------------------------------------------------------------------------------------
# Lists for the worklist's filters and the bulk assignment


def scope_grids(user) -> QuerySet:
    """Grids inside the user's territory (for the worklist's grid filter)."""
    return visible(user, Grid.objects.select_related("community")).order_by("community__name", "id")


def handlers_in_scope(user) -> QuerySet:
    """Handlers the user may assign: those of the towns and communities the user is staff of."""
    User = get_user_model()
    if getattr(user, "is_superuser", False):
        return User.objects.filter(memberships__role=Role.HANDLER, is_active=True).distinct().order_by("username")
    where = Q(pk__in=[])
    for m in memberships(user):
        if m.role not in STAFF_ROLES:
            continue
        if m.town_id:
            where |= Q(memberships__town_id=m.town_id) | Q(memberships__community__town_id=m.town_id)
        elif m.community_id:
            where |= Q(memberships__community_id=m.community_id) | Q(memberships__town_id=m.community.town_id)
        elif m.grid_id:
            where |= Q(memberships__community_id=m.grid.community_id)
    return User.objects.filter(Q(memberships__role=Role.HANDLER) & where, is_active=True).distinct().order_by(
        "username"
    )


# ---------------------------------------------------------------------------------------------
# The resident's side: QR presets, tracking credentials, the public timeline


@dataclass
class Preset:
    """The community or grid a QR code names (`?community=CL` / `?community=采菱社区` / `?grid=…`)."""

    community: Community | None = None
    grid: Grid | None = None
    community_param: str = ""
    grid_param: str = ""
    missing: str = ""

    @property
    def label(self) -> str:
        if self.grid is not None:
            return f"{self.grid.community.name} · {self.grid.name}"
        return self.community.name if self.community is not None else ""


def find_preset(*, community: str | None = None, grid: str | None = None) -> Preset:
    c_param = (community or "").strip()[:60]
    g_param = (grid or "").strip()[:60]
    preset = Preset(community_param=c_param, grid_param=g_param)
    if c_param:
        preset.community = (
            Community.objects.select_related("town").filter(Q(code__iexact=c_param) | Q(name=c_param))
            .order_by("id").first()
        )
        if preset.community is None:
            preset.missing = c_param
    if g_param:
        grids = Grid.objects.select_related("community__town").filter(name=g_param)
        if preset.community is not None:
            grids = grids.filter(community=preset.community)
        preset.grid = grids.order_by("id").first()
        if preset.grid is None:
            preset.missing = g_param
        else:
            preset.community = preset.grid.community
    return preset


FORM_KEY = "submit_key"
_FORM_KEY = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
SUBMIT_CALLER = "page:submit"
FORM_REUSED = "这张表单已经提交过。如需反映另一个问题，请核对内容后再提交一次。"


def new_form_key() -> str:
    return secrets.token_urlsafe(24)


def form_key(value: str) -> str:
    """The form's one-time key as posted, or "" when it is missing or malformed."""
    value = (value or "").strip()
    return value if _FORM_KEY.match(value) else ""


def _seal(token: str, key: str) -> str:
    """The tracking token, readable only with the form key the browser holds (the database keeps a digest
    of the key, so a stored answer gives no reader a credential)."""
    raw = token.encode()
    pad = hashlib.shake_256(f"minsheng-submit:{key}".encode()).digest(len(raw))
    return bytes(a ^ b for a, b in zip(raw, pad, strict=True)).hex()


def _unseal(sealed: str, key: str) -> str:
    raw = bytes.fromhex(sealed)
    pad = hashlib.shake_256(f"minsheng-submit:{key}".encode()).digest(len(raw))
    return bytes(a ^ b for a, b in zip(raw, pad, strict=True)).decode()


def submit_once(key: str, values: dict, *, preset: Preset, user, throttle: Callable[[], None],
                register: Callable[..., tuple[Demand, str]], lat: float | None, lon: float | None) -> dict:
    """Register the /submit/ form once per form key: {"code", "token"} of the demand it made."""
    record_key = hashlib.sha256(key.encode()).hexdigest()
    request_hash = idempotency.request_digest(
        *(str(values.get(name, "")) for name in sorted(values)), str(preset.community and preset.community.pk),
        str(preset.grid and preset.grid.pk), str(getattr(user, "pk", "")))
    body = idempotency.recorded(SUBMIT_CALLER, record_key, request_hash, reused=str(_(FORM_REUSED)))
    if body is None:
        throttle()
        # Triage before the transaction: the write lock is then held for the inserts only.
        analysis = services.analyse_intake(text=values["text"], channel="online", community=preset.community,
                                           grid=preset.grid, place_text=values["place"], lat=lat, lon=lon)

        def make() -> tuple[dict, Demand]:
            demand, token = register(analysis)
            return {"code": demand.code, "sealed": _seal(token, key)}, demand

        body, _replayed = idempotency.once(SUBMIT_CALLER, record_key, request_hash, make, reused=str(_(FORM_REUSED)))
    return {"code": body["code"], "token": _unseal(body["sealed"], key)}


def credentials_match(d: Demand, *, token: str = "", phone4: str = "") -> bool:
    if token and services.check_tracking(d, token):
        return True
    return bool(
        phone4 and len(phone4) == 4 and phone4.isdigit() and d.reporter_phone and d.reporter_phone.endswith(phone4)
    )


def find_for_tracking(code: str, *, token: str = "", phone4: str = "") -> Demand | None:
    """The demand, only when the credentials fit (no hint whether the code exists)."""
    code = (code or "").strip().upper()[:32]
    if not code or not (token or phone4):
        return None
    d = Demand.objects.select_related("community", "merged_into").filter(code=code).first()
    if d is None or not credentials_match(d, token=token, phone4=phone4):
        return None
    return d


ACTION_LABELS = {
    "register": _("登记"),
    "accept": _("受理"),
    "reject": _("不予受理"),
    "merge": _("合并办理"),
    "absorb": _("合并了其他诉求"),
    "answer": _("直接答复"),
    "assign": _("派单"),
    "contact": _("联系诉求人"),
    "reply": _("办结答复"),
    "extend": _("延期"),
    "callback": _("回访"),
    "reopen": _("重办"),
    "close": _("结案"),
    "archive": _("归档"),
    "escalate": _("吹哨上报"),
    "supervise": _("督办"),
    "classify": _("分类"),
    "assess": _("智能分拣复核"),
    "project_done": _("项目投用"),
    "attach": _("上传图片"),
}

STEPS = [
    (S.RECEIVED, _("已登记")),
    (S.ACCEPTED, _("已受理")),
    (S.ASSIGNED, _("已派单")),
    (S.IN_PROGRESS, _("办理中")),
    (S.REPLIED, _("已办结")),
    (S.CALLBACK, _("回访")),
    (S.CLOSED, _("结案")),
]
_STEP_OF = {
    S.RECEIVED: 0, S.ACCEPTED: 1, S.ASSIGNED: 2, S.IN_PROGRESS: 3, S.REOPENED: 3, S.ANSWERED: 4,
    S.REPLIED: 4, S.CALLBACK: 5, S.CLOSED: 6, S.ARCHIVED: 6,
}


def steps(d: Demand) -> list[dict]:
    """The step bar for the tracking page; empty for a rejected or merged demand."""
    current = _STEP_OF.get(d.status)
    if current is None:
        return []
    if d.status == S.CALLBACK and d.callback_at is None:
        current = 4  # completed, waiting for the callback
    return [{"label": label, "done": i < current or (i == current == len(STEPS) - 1), "current": i == current}
            for i, (_value, label) in enumerate(STEPS)]


def _public_actor(d: Demand, e: DemandEvent) -> str:
    """Staff are 工作人员 to the reporter, never a name."""
    if e.actor_id and e.actor_id == d.reporter_user_id:
        return str(_("诉求人"))
    if not e.actor_id and e.action in ("register", "callback", "attach") and e.actor_label in ("居民", "诉求人"):
        return str(_("诉求人"))
    return str(_("工作人员"))


def public_timeline(d: Demand) -> list[dict]:
    from .selectors import public_events

    return [
        {"at": e.at, "action": ACTION_LABELS.get(e.action, e.action), "actor": _public_actor(d, e),
         "to_status": S(e.to_status).label if e.to_status in S.values else "", "note": e.note}
        for e in public_events(d)
    ]


def staff_timeline(d: Demand) -> list[dict]:
    return [
        {"at": e.at, "action": ACTION_LABELS.get(e.action, e.action), "actor": e.actor_label,
         "from_status": S(e.from_status).label if e.from_status in S.values else "",
         "to_status": S(e.to_status).label if e.to_status in S.values else "", "note": e.note,
         "public": e.public, "data": e.data}
        for e in d.events.order_by("at", "id")
    ]


def inbox(user) -> QuerySet:
    from minsheng.notifications.models import Notification

    return Notification.objects.filter(recipient=user, channel=Notification.ChannelKind.IN_APP).order_by(
        "-created_at", "-id"
    )
