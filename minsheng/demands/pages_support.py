"""Reads and small helpers used only by the web pages (views.py).

Kept apart from selectors.py/services.py so the pages can grow without touching the shared
business code. Nothing here changes or locks a demand: changes go through `services`, and which
buttons show is asked of `services.allowed_actions`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from minsheng.accounts.models import STAFF_ROLES, Role
from minsheng.accounts.selectors import has_role, is_staff_member, memberships, roles, visible
from minsheng.notifications.models import Notification
from minsheng.territory.models import Community, Grid

from . import idempotency, services
from .models import Demand, DemandEvent, Status
from .selectors import public_events

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


def available_actions(user, d: Demand, offered: Iterable[str]) -> list[str]:
    """The actions of `offered` (those the page has a form for) that the services would allow this
    user now (`services.allowed_actions`: the same rules they enforce)."""
    offered = set(offered)
    return [action for action in services.allowed_actions(d, user) if action in offered]


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
    "rate_merged": _("诉求人评价"),
    "merged_rating": _("合并诉求的评价"),
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
    if not e.actor_id and e.action in ("register", "callback", "rate_merged", "attach") and e.actor_label in (
            "居民", "诉求人"):
        return str(_("诉求人"))
    if not e.actor_id and e.actor_label == "系统":  # e.g. closed by the reporter's own rating
        return str(_("系统"))
    return str(_("工作人员"))


def public_timeline(d: Demand) -> list[dict]:
    return [
        {"at": e.at, "action": ACTION_LABELS.get(e.action, e.action), "actor": _public_actor(d, e),
         "to_status": S(e.to_status).label if e.to_status in S.values else "", "note": e.public_note}
        for e in public_events(d)
    ]


def staff_timeline(d: Demand) -> list[dict]:
    return [
        {"at": e.at, "action": ACTION_LABELS.get(e.action, e.action), "actor": e.actor_label,
         "from_status": S(e.from_status).label if e.from_status in S.values else "",
         "to_status": S(e.to_status).label if e.to_status in S.values else "", "note": e.note,
         "public_note": e.public_note, "public": e.public, "data": e.data}
        for e in d.events.order_by("at", "id")
    ]


def inbox(user) -> QuerySet:
    return Notification.objects.filter(recipient=user, channel=Notification.ChannelKind.IN_APP).order_by(
        "-created_at", "-id"
    )


def track_url(code: str, *, token: str = "", phone4: str = "") -> str:
    """The tracking page of `code`, opened with the token (or else the phone's last four digits)."""
    params = {"code": code}
    if token:
        params["token"] = token
    elif phone4:
        params["phone4"] = phone4
    return f"{reverse('demands:track')}?{urlencode(params)}"


def receipt(request, code: str, token: str, *, by_sms: bool) -> dict:
    """What demands/_receipt.html shows a resident who just reported: the number, the 查询码, a tracking
    link that carries both, and whether progress will reach them by SMS."""
    link = request.build_absolute_uri(track_url(code, token=token))
    return {"code": code, "token": token, "link": link, "by_sms": by_sms}
