"""JSON API for facilities and maintenance (interfaces.md: GET /api/v1/facilities).

Public: the register (`GET /facilities`, `GET /facilities/{id}`) and reporting a facility broken.
Staff: registering facilities, conditions, photos, maintenance plans and tasks.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from minsheng.accounts.auth import optional_user, staff_auth
from minsheng.core.errors import InvalidInput, NotAllowed, NotFound
from minsheng.core.ratelimit import client_ip
from minsheng.core.services import hit
from minsheng.territory.models import Community, Place

from . import selectors, services
from .models import Facility, FacilityEvent, MaintenanceTask

router = Router(tags=["facilities"])


class ErrorOut(Schema):
    detail: str


class PlanDueOut(Schema):
    plan: str
    frequency: str
    schedule: str
    next_due: datetime | None


class ProjectRefOut(Schema):
    id: int
    title: str
    role: str


class FacilityOut(Schema):
    id: int
    name: str
    kind: str
    kind_name: str
    community: str
    place: str | None
    parent: str | None
    quantity: float
    unit: str
    condition: str
    condition_name: str
    maintenance: list[PlanDueOut]
    projects: list[ProjectRefOut]


class HistoryOut(Schema):
    at: datetime
    action: str
    action_name: str
    condition: str
    project_id: int | None


class FacilityDetailOut(FacilityOut):
    components: list[str]
    history: list[HistoryOut]


class FacilityIn(Schema):
    community: str
    name: str
    kind: str
    quantity: float = 1
    unit: str = ""
    place: str | None = None
    parent: int | None = None
    condition: str = "good"
    description: str = ""


class ConditionIn(Schema):
    condition: str
    note: str = ""


class ReportIn(Schema):
    note: str = Field("", description="哪里坏了（最多 500 字）")
    reporter_name: str | None = None
    reporter_phone: str | None = None


class ReportOut(Schema):
    facility: str
    condition: str
    code: str
    status: str
    tracking_token: str


class PlanIn(Schema):
    community: str
    title: str
    facilities: list[int]
    frequency: str = Field(..., description="daily | weekly | monthly | yearly")
    weekday: int | None = Field(None, description="每周计划：0=周一 … 6=周日")
    day: int | None = Field(None, description="每月/每年计划：1–31（月末不足取最后一天）")
    month: int | None = Field(None, description="每年计划：1–12")
    due_time: time = Field(time(18, 0), description="当地时间的完成时限")
    grace_hours: int = 12
    lead_days: int | None = None
    assignee: str | None = None
    category: str | None = None
    instructions: str = ""
    starts_on: date | None = None
    ends_on: date | None = None


class PlanOut(Schema):
    id: int
    title: str
    community: str
    frequency: str
    schedule: str
    due_time: time
    grace_hours: int
    assignee: str | None
    facilities: list[str]
    next_due: datetime | None
    active: bool


class TaskOut(Schema):
    id: int
    plan: str
    facility: str
    community: str
    due_on: date
    due_at: datetime
    miss_at: datetime
    status: str
    assignee: str | None
    done_at: datetime | None
    notes: str
    demand_code: str


class DoneIn(Schema):
    notes: str = ""
    condition: str | None = None


class AssignIn(Schema):
    assignee: str


# ---------------------------------------------------------------------------------------------


def _plan_out(p) -> dict:
    return {"id": p.pk, "title": p.title, "community": p.community.name, "frequency": p.frequency,
            "schedule": p.schedule.describe(), "due_time": p.due_time, "grace_hours": p.grace_hours,
            "assignee": p.assignee.username if p.assignee_id else None,
            "facilities": [f.name for f in p.facilities.all()], "next_due": services.next_due(p),
            "active": p.active}


def _task_out(t: MaintenanceTask) -> dict:
    return {"id": t.pk, "plan": t.plan.title, "facility": t.facility.name, "community": t.facility.community.name,
            "due_on": t.due_on, "due_at": t.due_at, "miss_at": t.miss_at, "status": t.status,
            "assignee": t.assignee.username if t.assignee_id else None, "done_at": t.done_at, "notes": t.notes,
            "demand_code": t.demand_code}


def _community(name: str) -> Community:
    c = Community.objects.select_related("town").filter(name=name).first()
    if c is None:
        raise InvalidInput(f"community: 没有名为“{name}”的社区", field="community")
    return c


# ---------------------------------------------------------------------------------------------
# Public


@router.get("", response=list[FacilityOut], auth=None)
def list_facilities(request: HttpRequest, community: str | None = None, kind: str | None = None):
    """The facility register (public; no personal data): each facility with its place, quantity, condition,
    maintenance plans with their next due date, and the micro-projects that built or improved it."""
    return [selectors.public_row(f) for f in selectors.public_facilities(community=community, kind=kind)]


@router.get("/tasks", response=list[TaskOut], auth=staff_auth)
def list_tasks(request: HttpRequest, mine: bool = False, status: str | None = None):
    """Maintenance tasks in the caller's territory (or only the caller's own), earliest due first."""
    return [_task_out(t) for t in selectors.task_list(request.auth, mine=mine, status=status)[:500]]


@router.post("/tasks/{int:task_id}/done", response={200: TaskOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                                   422: ErrorOut}, auth=staff_auth)
def task_done(request: HttpRequest, task_id: int, payload: DoneIn):
    t = selectors.get_task(request.auth, task_id)
    t = services.complete_task(t, request.auth, notes=payload.notes, condition=payload.condition)
    return _task_out(selectors.get_task(request.auth, t.pk))


@router.post("/tasks/{int:task_id}/photos", response={201: TaskOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             auth=staff_auth)
def task_photo(request: HttpRequest, task_id: int, file: File[UploadedFile]):
    """Add a photo to a task (the assignee, community staff or the grid worker)."""
    t = selectors.get_task(request.auth, task_id)
    if not services.may_complete(request.auth, t):
        raise NotAllowed("无权为该任务上传照片")
    services._store_photo(t.facility, request.auth, file, task=t)
    return Status(201, _task_out(t))


@router.post("/tasks/{int:task_id}/assign", response={200: TaskOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
                                                     422: ErrorOut}, auth=staff_auth)
def task_assign(request: HttpRequest, task_id: int, payload: AssignIn):
    t = selectors.get_task(request.auth, task_id)
    services.assign_task(t, request.auth, assignee=payload.assignee)
    return _task_out(selectors.get_task(request.auth, task_id))


@router.get("/plans", response=list[PlanOut], auth=staff_auth)
def list_plans(request: HttpRequest, community: str | None = None):
    qs = selectors.visible_plans(request.auth)
    if community:
        qs = qs.filter(community__name=community)
    return [_plan_out(p) for p in qs]


@router.post("/plans", response={201: PlanOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}, auth=staff_auth)
def create_plan(request: HttpRequest, payload: PlanIn):
    """A recurring maintenance duty; tasks are made ahead of their due dates by the worker."""
    community = _community(payload.community)
    facilities = list(Facility.objects.filter(pk__in=payload.facilities, community=community))
    if len(facilities) != len(set(payload.facilities)):
        raise InvalidInput("facilities: 有设施不存在或不属于该社区", field="facilities")
    plan = services.create_plan(
        actor=request.auth, community=community, title=payload.title, facilities=facilities,
        frequency=payload.frequency, weekday=payload.weekday, day=payload.day, month=payload.month,
        due_time=payload.due_time, grace_hours=payload.grace_hours, lead_days=payload.lead_days,
        assignee=payload.assignee, category=payload.category, instructions=payload.instructions,
        starts_on=payload.starts_on, ends_on=payload.ends_on,
    )
    services.generate_tasks(plans=type(plan).objects.filter(pk=plan.pk))
    return Status(201, _plan_out(selectors.visible_plans(request.auth).get(pk=plan.pk)))


@router.post("", response={201: FacilityOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut}, auth=staff_auth)
def create_facility(request: HttpRequest, payload: FacilityIn):
    """Register a facility (or, with `parent`, a component of one) — community staff."""
    community = _community(payload.community)
    place = None
    if payload.place:
        place = Place.objects.filter(community=community).filter(Q(name=payload.place)).first()
        if place is None:
            raise InvalidInput(f"place: {community.name}没有地点“{payload.place}”", field="place")
    parent = None
    if payload.parent is not None:
        parent = Facility.objects.filter(pk=payload.parent).first()
        if parent is None:
            raise InvalidInput(f"parent: 没有编号为 {payload.parent} 的设施", field="parent")
    f = services.register_facility(
        actor=request.auth, community=community, name=payload.name, kind=payload.kind, quantity=payload.quantity,
        unit=payload.unit, place=place, parent=parent, condition=payload.condition, description=payload.description,
    )
    return Status(201, selectors.public_row(selectors.get_visible(request.auth, f.pk)))


@router.get("/{int:facility_id}", response={200: FacilityDetailOut, 404: ErrorOut}, auth=None)
def get_facility(request: HttpRequest, facility_id: int):
    """One facility with its components and history (public form: no notes, no names)."""
    f = selectors.public_facilities().filter(pk=facility_id).first()
    if f is None:
        raise NotFound(f"没有编号为 {facility_id} 的设施")
    body = selectors.public_row(f)
    body["components"] = list(f.components.order_by("name").values_list("name", flat=True))
    body["history"] = [
        {"at": e.at, "action": e.action, "action_name": str(e.get_action_display()),
         "condition": e.to_condition, "project_id": e.project_id}
        for e in FacilityEvent.objects.filter(facility=f).exclude(action=FacilityEvent.Action.PHOTO).order_by("at", "id")
    ]
    return body


@router.post("/{int:facility_id}/condition", response={200: FacilityOut, 403: ErrorOut, 404: ErrorOut,
                                                       422: ErrorOut}, auth=staff_auth)
def set_condition(request: HttpRequest, facility_id: int, payload: ConditionIn):
    f = selectors.get_visible(request.auth, facility_id)
    services.set_condition(f, request.auth, condition=payload.condition, note=payload.note)
    return selectors.public_row(selectors.get_visible(request.auth, facility_id))


@router.post("/{int:facility_id}/photos", response={201: FacilityOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
             auth=staff_auth)
def add_photo(request: HttpRequest, facility_id: int, file: File[UploadedFile]):
    f = selectors.get_visible(request.auth, facility_id)
    services.add_photo(f, request.auth, file)
    return Status(201, selectors.public_row(selectors.get_visible(request.auth, facility_id)))


@router.post("/{int:facility_id}/report", response={201: ReportOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut},
             auth=None)
def report(request: HttpRequest, facility_id: int, payload: ReportIn):
    """Anyone may report a facility broken: the condition becomes 损坏 and a demand linked to the facility
    is registered (answer: its code and a tracking token for `GET /api/v1/demands/{code}`)."""
    user = optional_user(request)
    if user is None:
        hit(f"intake:{client_ip(request)}", limit=settings.MINSHENG_ANON_INTAKE_LIMIT,
            per_seconds=settings.MINSHENG_ANON_INTAKE_WINDOW, message="提交过于频繁，请稍后再试")
    f = selectors.get_public(facility_id)
    f, demand, token = services.report_broken(f, user, note=payload.note, reporter_name=payload.reporter_name or "",
                                              reporter_phone=payload.reporter_phone or "")
    return Status(201, {"facility": f.name, "condition": f.condition, "code": demand.code, "status": demand.status,
                        "tracking_token": token})
