"""JSON API for micro-projects (interfaces.md): the public list and detail, creation, actions, photos.

Anyone may read (the public form: no personal data); staff of the project's community or town see
the full form. Actions need a signed-in caller, except `object` (an objection during the public
notice), which anyone may raise, rate-limited per address.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import AuthenticationError
from ninja.files import UploadedFile
from pydantic import ConfigDict

from minsheng.accounts.auth import optional_user, session_write_without_csrf, staff_auth
from minsheng.attachments import views as attachment_views
from minsheng.core.errors import InvalidInput, NotAllowed, NotFound
from minsheng.core.ratelimit import client_ip
from minsheng.core.services import hit

from . import selectors, services
from .models import Project

router = Router(tags=["projects"])


class ErrorOut(Schema):
    detail: str


class ItemIn(Schema):
    name: str
    quantity: Decimal
    unit: str
    unit_price: Decimal | None = None
    facility_kind: str = Field("", description="这一项建成或维修的设施类型（如 fitness_point、pump）；不涉及设施则留空")
    facility_work: str = Field("", description="build 新建（含已有设施的新部件）| add 增加数量 | repair 维修更换")
    facility: int | None = Field(None, description="已有设施编号：增加或维修的设施，或新部件所属的设施")


class PhaseIn(Schema):
    phase: str = Field(..., description="survey 勘查 | design 设计 | construction 施工")
    weight: int | None = None
    planned_start: str | None = Field(None, description="YYYY-MM-DD")
    planned_end: str | None = Field(None, description="YYYY-MM-DD")


class ProjectIn(Schema):
    title: str
    community: str = Field(..., description="社区名")
    kind: str = Field(..., description="works 工程类 | goods 货物类 | services 服务类")
    budget: Decimal = Field(..., description="预算（元）")
    items: list[ItemIn] = Field(default_factory=list, description="工作量：name、quantity、unit")
    demands: list[str] = Field(default_factory=list, description="回应的诉求编号（须为调用者可见）")
    campaign: str = ""
    plan: str = Field("", description="整治方案")
    task_team: str = Field("", description="攻坚小队，每行一人")
    place: str | None = Field(None, description="地点名（本社区地名库）")
    contractor: str = ""
    phases: list[PhaseIn] | None = None
    facility_kind: str = ""


class ItemOut(Schema):
    name: str
    quantity: float
    unit: str
    unit_price: float | None = None
    amount: float | None = None


class PhaseOut(Schema):
    phase: str
    name: str
    weight: int
    percent: int
    planned_start: str | None
    planned_end: str | None
    actual_start: str | None
    actual_end: str | None


class EventOut(Schema):
    at: str
    action: str
    from_status: str
    to_status: str
    actor: str
    note: str


class ProjectSummary(Schema):
    id: int
    title: str
    community: str
    town: str
    kind: str
    kind_name: str
    status: str
    status_name: str
    campaign: str
    place: str | None
    contractor: str
    budget: float
    spent: float
    execution_rate: float | None = Field(None, description="预算执行率 = spent ÷ budget（0–1）")
    progress: float = Field(..., description="0–100，各阶段按权重汇总")
    items: list[ItemOut]
    demands: list[str]
    phases: list[PhaseOut]
    supports: int | None = None
    notice_start: str | None
    notice_end: str | None
    created_at: str | None
    approved_at: str | None
    started_at: str | None
    completed_at: str | None
    in_service_at: str | None
    score: float | None
    flags: list[dict] | None = Field(None, description="初审提示（仅工作人员）")
    version: int | None = None


class ProjectOut(ProjectSummary):
    photos: list[dict]
    objections_count: int
    objections_open: int
    votes: list[dict]
    inspections: list[dict]
    evaluation: dict | None
    events: list[EventOut]
    supported: bool | None = None
    close_reason: str | None = None
    plan: str | None = None
    task_team: str | None = None
    spendings: list[dict] | None = None
    progress_notes: list[dict] | None = None
    objections: list[dict] | None = None


class ProjectPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ProjectSummary]


class ListFilters(Schema):
    community: str | None = None
    kind: str | None = None
    status: str | None = None
    campaign: str | None = None
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class CheckIn(Schema):
    item: str
    passed: bool


class ActionIn(Schema):
    model_config = ConfigDict(populate_by_name=True)

    passed: bool | None = None
    reason: str | None = None
    note: str | None = None
    votes_for: int | None = Field(None, alias="for")
    against: int | None = None
    abstain: int | None = None
    members: int | None = Field(None, description="应到人数（默认 7）")
    quorum: int | None = Field(None, description="法定人数（默认 过半数）")
    minutes: str | None = None
    days: int | None = None
    text: str | None = None
    objection: int | None = None
    answer: str | None = None
    contractor: str | None = None
    phase: str | None = None
    percent: int | None = None
    amount: Decimal | None = None
    date: str | None = None
    checklist: list[CheckIn] | None = None
    score: Decimal | None = None
    surveyed: int | None = None
    satisfied: int | None = None
    basically: int | None = None
    dissatisfied: int | None = None
    # update (修改): only the fields given change
    title: str | None = None
    budget: Decimal | None = None
    items: list[ItemIn] | None = None
    demands: list[str] | None = None
    campaign: str | None = None
    plan: str | None = None
    task_team: str | None = None
    place: str | None = None
    phases: list[PhaseIn] | None = None
    version: int | None = Field(None, description="期望的版本号；与当前不符时答 409")


def _caller(request: HttpRequest):
    """The signed-in caller (token or session). A session caller's unsafe request is CSRF-checked."""
    header = request.headers.get("Authorization", "")
    if (not header.lower().startswith("bearer ") and getattr(request, "user", None) is not None
            and request.user.is_authenticated and session_write_without_csrf(request)):
        raise NotAllowed("CSRF 校验失败，请刷新页面后重试")
    return optional_user(request)


def _full(user, p: Project) -> bool:
    return user is not None and selectors.is_manager(user, p)


# ---------------------------------------------------------------------------------------------


@router.get("", response=ProjectPage, auth=None, exclude_unset=True)
def list_projects(request: HttpRequest, filters: Query[ListFilters]):
    """Projects, newest first, filtered. The public form for everyone; staff in scope also see hints."""
    user = optional_user(request)
    qs = selectors.board(selectors.Filters(community=filters.community, kind=filters.kind, status=filters.status,
                                           campaign=filters.campaign))
    start = (filters.page - 1) * filters.page_size
    rows = list(qs[start:start + filters.page_size])
    return {"count": qs.count(), "page": filters.page, "page_size": filters.page_size,
            "items": [selectors.summary(p, full=_full(user, p)) for p in rows]}


@router.get("/{project_id}", response={200: ProjectOut, 404: ErrorOut}, auth=None, exclude_unset=True)
def get_project(request: HttpRequest, project_id: int):
    user = optional_user(request)
    p = selectors.get(project_id)
    return selectors.detail(p, full=_full(user, p), user=user)


@router.post("", response={201: ProjectOut, 403: ErrorOut, 422: ErrorOut}, auth=staff_auth, exclude_unset=True)
def create_project(request: HttpRequest, payload: ProjectIn):
    """Propose a project (staff of the community or the town) → `proposed`."""
    user = request.auth
    p = services.create(
        user, title=payload.title, community=payload.community, kind=payload.kind, budget=payload.budget,
        items=[i.dict() for i in payload.items], demands=payload.demands, campaign=payload.campaign,
        plan=payload.plan, task_team=payload.task_team, place=payload.place, contractor=payload.contractor,
        phases=[ph.dict() for ph in payload.phases] if payload.phases is not None else None,
        facility_kind=payload.facility_kind,
    )
    return Status(201, selectors.detail(selectors.get(p.pk), full=True, user=user))


def _need(value, field: str):
    if value is None:
        raise InvalidInput(f"{field}: 必填", field=field)
    return value


ACTIONS = {
    "screen": lambda p, u, a: services.screen(p, u, passed=a.passed, reason=a.reason or "", expected_version=a.version),
    "deliberate": lambda p, u, a: services.deliberate(p, u, note=a.note or "", expected_version=a.version),
    "vote": lambda p, u, a: services.vote(
        p, u, votes_for=_need(a.votes_for, "for"), votes_against=_need(a.against, "against"),
        votes_abstain=a.abstain, minutes=a.minutes or "", members=a.members, quorum=a.quorum,
        expected_version=a.version),
    "notice": lambda p, u, a: services.notice(p, u, days=a.days, expected_version=a.version),
    "object": lambda p, u, a: services.object_to(p, u, text=a.text or ""),
    "answer_objection": lambda p, u, a: services.answer_objection(
        p, u, objection=_need(a.objection, "objection"), answer=a.answer or "", expected_version=a.version),
    "approve": lambda p, u, a: services.approve(p, u, note=a.note or "", expected_version=a.version),
    "implement": lambda p, u, a: services.implement(p, u, contractor=a.contractor, note=a.note or "",
                                                    expected_version=a.version),
    "progress": lambda p, u, a: services.progress(p, u, phase=a.phase or "", percent=_need(a.percent, "percent"),
                                                  note=a.note or "", expected_version=a.version),
    "spend": lambda p, u, a: services.spend(p, u, amount=_need(a.amount, "amount"), note=a.note or "", on=a.date,
                                            expected_version=a.version),
    "complete": lambda p, u, a: services.complete(p, u, note=a.note or "", expected_version=a.version),
    "inspect": lambda p, u, a: services.inspect(
        p, u, passed=a.passed, note=a.note or "",
        checklist=[c.dict() for c in a.checklist] if a.checklist is not None else None, expected_version=a.version),
    "evaluate": lambda p, u, a: services.evaluate(
        p, u, score=_need(a.score, "score"), surveyed=a.surveyed, satisfied=a.satisfied, basically=a.basically,
        dissatisfied=a.dissatisfied, note=a.note or "", expected_version=a.version),
    "archive": lambda p, u, a: services.archive(p, u, note=a.note or "", expected_version=a.version),
    "cancel": lambda p, u, a: services.cancel(p, u, reason=a.reason or "", expected_version=a.version),
    "support": lambda p, u, a: services.support(p, u),
    "update": lambda p, u, a: services.update(
        p, u, title=a.title, budget=a.budget, items=[i.dict() for i in a.items] if a.items is not None else None,
        demands=a.demands, campaign=a.campaign, plan=a.plan, task_team=a.task_team, place=a.place,
        contractor=a.contractor, phases=[ph.dict() for ph in a.phases] if a.phases is not None else None,
        expected_version=a.version),
}


def throttle_objection(request: HttpRequest) -> None:
    hit(f"project-object:{client_ip(request)}", limit=getattr(settings, "MINSHENG_ANON_OBJECTION_LIMIT", 10),
        per_seconds=3600, message="提交过于频繁，请稍后再试")


@router.post("/{project_id}/actions/{action}",
             response={200: ProjectOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut,
                       429: ErrorOut},
             auth=None, exclude_unset=True)
def act(request: HttpRequest, project_id: int, action: str, payload: ActionIn | None = None):
    """Move a project along its life (domain.md §4). 401: sign in; 403: role or scope; 409: state."""
    if action not in ACTIONS:
        raise NotFound(f"未知动作 {action}，可选：{', '.join(ACTIONS)}")
    user = _caller(request)
    if user is None:
        if action != "object":
            raise AuthenticationError()
        throttle_objection(request)
    p = selectors.get(project_id)
    ACTIONS[action](p, user, payload or ActionIn())
    p = selectors.get(project_id)
    return selectors.detail(p, full=_full(user, p), user=user)


class PhotoOut(Schema):
    id: int
    stage: str
    url: str


@router.post("/{project_id}/photos", response={201: PhotoOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                               422: ErrorOut}, auth=staff_auth)
def upload_photo(request: HttpRequest, project_id: int, file: File[UploadedFile], stage: Form[str],
                 caption: Form[str] = ""):
    """A before (改造前) / progress (施工中) / after (改造后) photo; checked by content, location data removed."""
    p = selectors.get(project_id)
    services.add_photo(p, request.auth, file, stage=stage, caption=caption)
    photo = p.photos.order_by("-id").first()
    return Status(201, {"id": photo.pk, "stage": photo.kind, "url": f"/api/v1/projects/{p.pk}/photos/{photo.pk}"})


@router.get("/{project_id}/photos/{photo_id}", auth=None, response={200: None, 404: ErrorOut})
def get_photo(request: HttpRequest, project_id: int, photo_id: int):
    """A project's photo (public, like the project)."""
    return attachment_views.serve(request, Project, photo_id, not_found=NotFound("没有这张照片"),
                                  owner_filter={"pk": project_id})
