"""JSON API for demands (interfaces.md): intake, tracking, the staff list, detail and actions."""

from __future__ import annotations

import hashlib
import json
from contextlib import nullcontext
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from minsheng.accounts.auth import optional_user, staff_auth
from minsheng.accounts.selectors import is_staff_member
from minsheng.attachments import views as attachment_views
from minsheng.core.errors import Conflict, InvalidInput, NotFound
from minsheng.core.ratelimit import client_ip
from minsheng.core.services import hit
from minsheng.territory.models import Community, Grid

from . import rules, selectors, services
from .models import Demand, IdempotencyRecord

router = Router(tags=["demands"])


class ErrorOut(Schema):
    detail: str


class DemandIn(Schema):
    text: str = Field(..., description="诉求内容（1–2000 字）")
    channel: str = Field("online", description="渠道代码，如 online、hotline")
    place: str | None = Field(None, description="地点描述，如 采菱家园二期12幢")
    lat: float | None = None
    lon: float | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    community: str | None = Field(None, description="社区名（二维码预设）")
    grid: str | None = Field(None, description="网格名（二维码预设）")


class DemandCreated(Schema):
    code: str
    status: str
    category: str
    urgent: bool
    community: str | None
    grid: str | None
    duplicate_of: str | None
    duplicates_pending: bool = Field(
        False, description="可能重复的诉求由后台语义复核在数秒内查找：此时 duplicate_of 尚未得出，稍后见诉求详情")
    tracking_token: str


class EventOut(Schema):
    at: datetime
    action: str
    from_status: str
    to_status: str
    actor: str
    note: str = Field(description="公开视图：告知诉求人的话；工作人员视图：内部说明")


class StaffEventOut(EventOut):
    public_note: str = Field("", description="告知诉求人的话")


class DemandSummary(Schema):
    code: str
    status: str
    status_name: str
    text: str
    channel: str
    category: str
    urgent: bool
    possibly_urgent: bool
    community: str | None
    grid: str | None
    handler: str | None
    received_at: datetime
    due_at: datetime | None
    overdue: bool
    needs_classification: bool


class AttachmentOut(Schema):
    id: int
    content_type: str
    size: int
    url: str = Field(description="the file; the reporter adds ?token=")
    stage: str = Field(description="before 处理前 (the problem as reported) | after 处理后 (the work done)")


class DemandOut(DemandSummary):
    kind: str
    complexity: str
    place: str | None
    place_text: str
    lat: float | None
    lon: float | None
    reporter_name: str
    reporter_phone: str
    assigned_at: datetime | None
    contact_deadline: datetime | None
    contacted_at: datetime | None
    completed_at: datetime | None
    reply: str
    callback_at: datetime | None
    resolution: str
    satisfaction: str
    escalated: bool
    supervised: bool
    reopen_count: int
    version: int
    merged_into: str | None
    triage: dict
    extensions: list[dict]
    events: list[StaffEventOut]
    attachments: list[AttachmentOut] = Field(description="photos, oldest first")


class PublicDemandOut(Schema):
    code: str
    status: str
    status_name: str
    text: str
    category: str
    community: str | None
    received_at: datetime
    due_at: datetime | None
    reply: str
    merged_into: str | None
    can_rate: bool
    extensions: list[dict]
    events: list[EventOut]
    attachments: list[AttachmentOut] = Field(description="photos, oldest first (served with the tracking token)")


class DemandHandedOverOut(Schema):
    """A change that moved the demand out of the caller's territory was made; this is what they may
    still see of it."""

    code: str
    status: str
    status_name: str
    community: str | None
    grid: str | None
    in_scope: bool = Field(False, description="false: the demand is now outside the caller's territory")
    events: list[StaffEventOut]


class DemandPage(Schema):
    count: int | None = Field(None, description="how many match; null for the ended history (newest first), "
                                                "which is paged with has_next instead of being counted")
    has_next: bool = False
    page: int
    page_size: int
    items: list[DemandSummary]


class ListFilters(Schema):
    community: str | None = None
    grid: str | None = None
    status: str | None = None
    category: str | None = None
    queue: str | None = None
    overdue: bool | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class ActionIn(Schema):
    reason: str | None = None
    into: str | None = None
    reply: str | None = None
    handler: str | None = None
    complexity: str | None = None
    note: str | None = Field(None, description="内部说明，只给工作人员看")
    tell_reporter: str | None = Field(None, description="告知诉求人的话：诉求人在查询页和通知里看到")
    days: int | None = None
    resolution: str | None = None
    satisfaction: str | None = None
    handler_fault: bool = True
    category: str | None = None
    urgent: bool | None = None
    kind: str | None = None
    community: str | None = None
    grid: str | None = None
    version: int | None = Field(None, description="期望的版本号；与当前不符时答 409")


class RateIn(Schema):
    resolution: str
    satisfaction: str
    note: str | None = None


# ---------------------------------------------------------------------------------------------


def _summary(d: Demand) -> dict:
    return {
        "code": d.code, "status": d.status, "status_name": str(d.get_status_display()), "text": d.text,
        "channel": d.channel, "category": d.category, "urgent": d.urgent, "possibly_urgent": d.possibly_urgent,
        "community": d.community.name if d.community_id else None,
        "grid": d.grid.name if d.grid_id else None,
        "handler": d.handler.username if d.handler_id else (d.handler_label or None),
        "received_at": d.received_at, "due_at": d.due_at, "overdue": selectors.is_overdue(d),
        "needs_classification": d.needs_classification,
    }


def _event(e, *, public_only: bool) -> dict:
    return {"at": e.at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
            "actor": ("工作人员" if e.actor_id else e.actor_label) if public_only else e.actor_label,
            **({"note": e.public_note} if public_only else {"note": e.note, "public_note": e.public_note})}


def _events(d: Demand, *, public_only: bool) -> list[dict]:
    qs = selectors.public_events(d) if public_only else d.events.order_by("at", "id")
    return [_event(e, public_only=public_only) for e in qs]


def _extensions(d: Demand) -> list[dict]:
    return [{"days": x.days, "reason": x.reason, "new_due_at": x.new_due_at.isoformat()} for x in d.extensions.all()]


def _attachment(d: Demand, a) -> dict:
    return {"id": a.pk, "content_type": a.content_type, "size": a.size,
            "url": f"/api/v1/demands/{d.code}/attachments/{a.pk}", "stage": selectors.photo_stage(a.kind)}


def _attachments(d: Demand) -> list[dict]:
    return [_attachment(d, a) for a in d.attachments.order_by("created_at", "id")]


def detail(user, d: Demand, *, via: str) -> dict:
    body = _summary(d)
    body.update(selectors.reporter_view(user, d, via=via))
    body.pop("masked", None)
    body.update({
        "kind": d.kind, "complexity": d.complexity, "place": d.place.name if d.place_id else None,
        "place_text": d.place_text, "lat": d.lat, "lon": d.lon, "assigned_at": d.assigned_at,
        "contact_deadline": d.contact_deadline, "contacted_at": d.contacted_at, "completed_at": d.completed_at,
        "reply": d.reply, "callback_at": d.callback_at, "resolution": d.resolution, "satisfaction": d.satisfaction,
        "escalated": d.escalated, "supervised": d.supervised, "reopen_count": d.reopen_count,
        "version": d.version, "merged_into": d.merged_into.code if d.merged_into_id else None,
        "triage": d.triage, "extensions": _extensions(d), "events": _events(d, public_only=False),
        "attachments": _attachments(d),
    })
    return body


def public_detail(d: Demand) -> dict:
    return {
        "code": d.code, "status": d.status, "status_name": str(d.get_status_display()), "text": d.text,
        "category": d.category, "community": d.community.name if d.community_id else None,
        "received_at": d.received_at, "due_at": d.due_at, "reply": d.reply,
        "merged_into": d.merged_into.code if d.merged_into_id else None,
        "can_rate": d.awaiting_rating, "extensions": _extensions(d), "events": _events(d, public_only=True),
        "attachments": _attachments(d),
    }


def _find_node(model, name: str | None, field: str, **extra):
    if not name:
        return None
    obj = model.objects.filter(name=name, **extra).first()
    if obj is None:
        raise InvalidInput(f"{field}: 没有名为“{name}”的{'社区' if field == 'community' else '网格'}", field=field)
    return obj


# ---------------------------------------------------------------------------------------------


@router.post("", response={201: DemandCreated, 200: DemandCreated, 422: ErrorOut, 429: ErrorOut}, auth=None)
def create_demand(request: HttpRequest, payload: DemandIn):
    """Register a demand (anonymous allowed, rate-limited). Honours `Idempotency-Key`."""
    user = optional_user(request)
    if user is None:
        hit(f"intake:{client_ip(request)}", limit=settings.MINSHENG_ANON_INTAKE_LIMIT,
            per_seconds=settings.MINSHENG_ANON_INTAKE_WINDOW, message="提交过于频繁，请稍后再试")
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 200:
        raise InvalidInput("Idempotency-Key: 不能超过 200 个字符", field="Idempotency-Key")
    if user is None:
        rules.anonymous_channel(payload.channel)
    caller = idempotency_caller(request, user)
    request_hash = hashlib.sha256(json.dumps(payload.dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def replay(record: IdempotencyRecord):
        if record.request_hash != request_hash:
            raise InvalidInput("Idempotency-Key: 该键已用于另一份不同的请求", field="Idempotency-Key")
        return Status(record.status_code, record.body)

    if key:
        existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first()
        if existing:
            return replay(existing)
    community = _find_node(Community, payload.community, "community")
    grid = _find_node(Grid, payload.grid, "grid", **({"community": community} if community else {}))
    # Triage before the transaction: the write lock is then held for the inserts only.
    analysis = services.analyse_intake(text=payload.text, channel=payload.channel, community=community, grid=grid,
                                       place_text=payload.place or "", lat=payload.lat, lon=payload.lon)
    reporter_user = user if user and not selectors_is_staff(user) else None
    # With a key, its record commits with the demand; without one, register's own transaction is the
    # only one (an outer block would turn it into a savepoint: two more round trips per demand).
    try:
        with transaction.atomic() if key else nullcontext():
            if key and (existing := IdempotencyRecord.objects.filter(caller=caller, key=key).first()):
                return replay(existing)
            demand, token = services.register(
                text=payload.text, channel=payload.channel, actor=user, community=community, grid=grid,
                place_text=payload.place or "", lat=payload.lat, lon=payload.lon,
                reporter_name=payload.reporter_name or "", reporter_phone=payload.reporter_phone or "",
                reporter_user=reporter_user, analysis=analysis,
            )
            body = {
                "code": demand.code, "status": demand.status, "category": demand.category, "urgent": demand.urgent,
                "community": demand.community.name if demand.community else None,
                "grid": demand.grid.name if demand.grid else None,
                "duplicate_of": (demand.triage.get("duplicate_of") if demand.triage else None),
                "duplicates_pending": demand.duplicates_pending,
                "tracking_token": token,
            }
            if key:
                IdempotencyRecord.objects.create(caller=caller, key=key, request_hash=request_hash, status_code=201,
                                                 body=body, demand=demand)
    except IntegrityError:
        # The same key was committed by a concurrent request: answer what it answered.
        existing = IdempotencyRecord.objects.filter(caller=caller, key=key).first() if key else None
        if existing is None:
            raise
        return replay(existing)
    return Status(201, body)


def idempotency_caller(request: HttpRequest, user) -> str:
    """Whose key space an Idempotency-Key lives in: the user's, or for anonymous callers their client
    address's (a digest: no address is kept), so that two clients never get each other's answer."""
    if user is not None:
        return f"u:{user.pk}"
    return "anon:" + hashlib.sha256(client_ip(request).encode()).hexdigest()[:32]


def selectors_is_staff(user) -> bool:
    return is_staff_member(user)


@router.get("", response={200: DemandPage, 422: ErrorOut}, auth=staff_auth)
def list_demands(request: HttpRequest, filters: Query[ListFilters]):
    """Demands the caller may see, filtered and paginated: by default those still being worked on,
    earliest deadline first (as the staff worklist); the ended history (queue=ended or an ended status)
    newest first and not counted."""
    f = selectors.Filters(community=filters.community, grid=filters.grid, status=filters.status,
                          category=filters.category, queue=filters.queue, overdue=filters.overdue)
    found = selectors.worklist(request.auth, f, active_by_default=True)
    start = (filters.page - 1) * filters.page_size
    history = isinstance(found, selectors.NewestFirst)
    if history and start + filters.page_size > selectors.HISTORY_DEPTH:
        raise InvalidInput(f"page: 已结束的诉求只能向前翻阅 {selectors.HISTORY_DEPTH} 件，请用社区、网格、分类等条件缩小范围",
                           field="page")
    items = list(found[start:start + filters.page_size + 1])
    count = None if history else found.count()
    return {"count": count, "has_next": len(items) > filters.page_size, "page": filters.page,
            "page_size": filters.page_size, "items": [_summary(d) for d in items[:filters.page_size]]}


@router.get("/{code}", response={200: DemandOut | PublicDemandOut, 404: ErrorOut, 429: ErrorOut}, auth=None)
def get_demand(request: HttpRequest, code: str, token: str | None = None, phone4: str | None = None):
    """Staff see the demand in full (personal data masked unless entitled); the reporter sees it in public
    form with the tracking token, or the last four digits of the phone given at intake."""
    user = optional_user(request)
    if user is not None:
        try:
            d = selectors.get_visible(user, code)
        except NotFound:
            d = None
        if d is not None:
            return detail(user, d, via="api")
    if token or phone4:
        hit(f"track:{client_ip(request)}", limit=settings.MINSHENG_TRACK_LIMIT, per_seconds=3600,
            message="查询过于频繁，请稍后再试")
        d = Demand.objects.select_related("community", "merged_into").filter(code=code).first()
        if d is not None and (
            (token and services.check_tracking(d, token))
            or (phone4 and len(phone4) == 4 and d.reporter_phone and d.reporter_phone.endswith(phone4))
        ):
            return public_detail(d)
    raise NotFound(f"没有编号为 {code} 的诉求，或查询凭据不正确")


ACTIONS = {
    "accept": lambda d, u, a: services.accept(d, u, note=a.note or "", tell_reporter=a.tell_reporter or "",
                                              expected_version=a.version),
    "reject": lambda d, u, a: services.reject(d, u, reason=a.reason or "", expected_version=a.version),
    "merge": lambda d, u, a: services.merge(d, u, into=a.into or "", expected_version=a.version),
    "answer": lambda d, u, a: services.answer(d, u, reply=a.reply or "", note=a.note or "", expected_version=a.version),
    "assign": lambda d, u, a: services.assign(d, u, handler=a.handler or "", complexity=a.complexity,
                                              note=a.note or "", tell_reporter=a.tell_reporter or "",
                                              expected_version=a.version),
    "contact": lambda d, u, a: services.contact(d, u, note=a.note or "", tell_reporter=a.tell_reporter or "",
                                                expected_version=a.version),
    "reply": lambda d, u, a: services.reply(d, u, reply=a.reply or "", note=a.note or "", expected_version=a.version),
    "extend": lambda d, u, a: services.extend(d, u, days=_days(a.days), reason=a.reason or "",
                                              expected_version=a.version),
    "callback": lambda d, u, a: services.callback(d, u, resolution=a.resolution or "",
                                                  satisfaction=a.satisfaction or "", note=a.note or "",
                                                  tell_reporter=a.tell_reporter or "",
                                                  handler_fault=a.handler_fault, expected_version=a.version),
    "reopen": lambda d, u, a: services.reopen(d, u, note=a.note or "", tell_reporter=a.tell_reporter or "",
                                              expected_version=a.version),
    "close": lambda d, u, a: services.close(d, u, note=a.note or "", tell_reporter=a.tell_reporter or "",
                                            expected_version=a.version),
    "archive": lambda d, u, a: services.archive(d, u, expected_version=a.version),
    "escalate": lambda d, u, a: services.escalate(d, u, note=a.note or "", expected_version=a.version),
    "supervise": lambda d, u, a: services.supervise(d, u, note=a.note or "", expected_version=a.version),
    "classify": lambda d, u, a: services.classify(d, u, category=a.category, urgent=a.urgent, kind=a.kind,
                                                  community=a.community, grid=a.grid, expected_version=a.version),
}


def _days(value: int | None) -> int:
    if value is None:
        raise InvalidInput("days: 请填写延期天数", field="days")
    return value


@router.post("/{code}/actions/{action}", response={200: DemandOut | DemandHandedOverOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                                   422: ErrorOut}, auth=staff_auth)
def act(request: HttpRequest, code: str, action: str, payload: ActionIn | None = None):
    """Move a demand along its life (domain.md §3). 403: role or scope; 409: state or a concurrent change."""
    user = request.auth
    if action not in ACTIONS:
        raise NotFound(f"未知动作 {action}，可选：{', '.join(ACTIONS)}")
    d = selectors.get_visible(user, code)
    changed = ACTIONS[action](d, user, payload or ActionIn())
    d = changed if isinstance(changed, Demand) else d
    # Reclassified to another community: the change is made, so say so (200) with what is still theirs.
    if (gone := selectors.handed_over(user, d)) is not None:
        gone["events"] = [_event(e, public_only=False) for e in gone["events"]]
        return gone
    return detail(user, selectors.get_visible(user, code), via=f"api:{action}")


@router.post("/{code}/rate", response={200: PublicDemandOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
             auth=None)
def rate(request: HttpRequest, code: str, token: str, payload: RateIn):
    """The reporter's own callback: resolution and satisfaction, with the tracking token."""
    hit(f"track:{client_ip(request)}", limit=settings.MINSHENG_TRACK_LIMIT, per_seconds=3600,
        message="操作过于频繁，请稍后再试")
    d = Demand.objects.filter(code=code).first()
    if d is None or not services.check_tracking(d, token):
        raise NotFound(f"没有编号为 {code} 的诉求，或查询凭据不正确")
    if not d.awaiting_rating:
        raise Conflict(f"诉求 {code} 目前不需要评价")
    d = services.callback(d, None, resolution=payload.resolution, satisfaction=payload.satisfaction,
                          note=payload.note or "", by_reporter=True)
    return public_detail(Demand.objects.select_related("community", "merged_into").get(pk=d.pk))




@router.post("/{code}/attachments", response={201: AttachmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                               422: ErrorOut, 429: ErrorOut}, auth=None)
def upload_attachment(request: HttpRequest, code: str, file: File[UploadedFile], token: str | None = None,
                      stage: Form[str | None] = None):
    """Attach a photo (JPEG/PNG/WebP, checked by content, location data removed). Staff in scope, the
    handler, or the reporter: signed in as the demand's own reporter, or with the tracking token.
    `stage` (form field): before 处理前 | after 处理后; by default the reporter's and staff's photos are
    before, the handler's after. The reporter adds before-photos only."""
    user = optional_user(request)
    by_reporter = False
    if user is not None and (d := selectors.visible_demands(user).filter(code=code).first()):
        by_reporter = d.reporter_user_id is not None and d.reporter_user_id == user.pk
    else:
        hit(f"track:{client_ip(request)}", limit=settings.MINSHENG_TRACK_LIMIT, per_seconds=3600)
        d = Demand.objects.filter(code=code).first()
        if d is None or not token or not services.check_tracking(d, token):
            raise NotFound(f"没有编号为 {code} 的诉求，或查询凭据不正确")
        by_reporter = True
    d = services.add_attachment(d, user, file, by_reporter=by_reporter, stage=stage)
    return Status(201, _attachment(d, d.attachments.order_by("-id").first()))


@router.get("/{code}/attachments/{attachment_id}", auth=None, response={200: None, 404: ErrorOut})
def get_attachment(request: HttpRequest, code: str, attachment_id: int, token: str | None = None):
    """A demand's photo, for those who may see the demand (staff in scope, the reporter with the token)."""
    return attachment_views.serve(request, Demand, attachment_id, not_found=NotFound("没有这张图片"),
                                  owner_filter={"code": code})
