"""JSON API: service activities (public list, interfaces.md `GET /api/v1/activities`) and the resident
roster (staff of the community and grid workers only; masked unless revealed, reveals audit-logged)."""

from __future__ import annotations

import io
from datetime import date, time

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from minsheng.accounts.auth import staff_auth
from minsheng.core.errors import InvalidInput, NotAllowed, NotFound
from minsheng.territory.models import Community, Grid, Place

from . import importer, roster, selectors, services
from .exports import export_members
from .targeting import Criteria, apply

activities_router = Router(tags=["activities"])
roster_router = Router(tags=["roster"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ErrorOut(Schema):
    detail: str


class ActivityOut(Schema):
    id: int
    title: str
    kind: str
    kind_name: str
    date: date
    start_time: time | None
    community: str
    place: str | None
    organiser: str
    target: str = Field(..., description="服务对象（文字，不含姓名）")
    served: int = Field(..., description="服务人数")
    signups: int
    capacity: int | None
    signup_open: bool


class CountOut(Schema):
    community: str
    town: str
    activities: int
    served: int


class ActivityIn(Schema):
    community: str
    kind: str = Field(..., description="lecture | youth | clinic | festival_visit | other")
    title: str
    date: date
    start_time: time | None = None
    place: str | None = None
    place_text: str = ""
    organiser: str = ""
    description: str = ""
    criteria: dict = Field(default_factory=dict, description="min_age, max_age, living_alone, flood_prone, "
                                                             "disabled, low_income, grid_id")
    target_text: str = ""
    capacity: int | None = None
    signup_open: bool = False


class ServedIn(Schema):
    members: list[int]
    note: str = ""


class ServedOut(Schema):
    added: int
    served: int


class SignupOut(Schema):
    activity: int
    signed_up: bool
    signups: int


class MemberOut(Schema):
    id: int
    name: str
    address: str
    building: str | None
    room: str
    grid: str
    community: str
    age: int
    flags: list[str]
    phone: str
    birth_date: date | None
    masked: bool


class MemberPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[MemberOut]


class TargetedOut(Schema):
    target: str
    on: date
    count: int
    items: list[MemberOut]


class ImportOut(Schema):
    rows: int
    households_created: int
    created: int
    updated: int
    unchanged: int
    dry_run: bool


class ImportErrorOut(Schema):
    detail: str
    errors: list[dict]


class TargetedFilters(Schema):
    community: str
    on: date | None = None
    min_age: int | None = Field(None, ge=0, le=130)
    max_age: int | None = Field(None, ge=0, le=130)
    living_alone: bool = False
    flood_prone: bool = False
    disabled: bool = False
    low_income: bool = False
    grid: str | None = None
    include_phone: bool = False


class FloodIn(Schema):
    flood_prone: bool
    note: str = ""


# ---------------------------------------------------------------------------------------------
# Activities


def _check_year(year: int | None) -> None:
    if year is not None and not 1900 <= year <= 2100:
        raise InvalidInput("year: 须在 1900 与 2100 之间", field="year")


@activities_router.get("", response={200: list[ActivityOut], 422: ErrorOut}, auth=None)
def list_activities(request: HttpRequest, community: str | None = None, upcoming: bool = False,
                    kind: str | None = None, year: int | None = None):
    """Service activities (public): who each is for in words, and how many people were served."""
    _check_year(year)
    upcoming_from = roster.today() if upcoming else None
    activities = list(selectors.public_activities(community=community, upcoming_from=upcoming_from, kind=kind,
                                                  year=year))
    names = selectors.grid_names(activities)
    return [selectors.public_row(a, names) for a in activities]


@activities_router.get("/counts", response={200: list[CountOut], 422: ErrorOut}, auth=None)
def activity_counts(request: HttpRequest, year: int | None = None):
    """Activities held and people served, per community."""
    _check_year(year)
    return selectors.counts_per_community(year=year)


@activities_router.post("", response={201: ActivityOut, 403: ErrorOut, 409: ErrorOut, 422: ErrorOut},
                        auth=staff_auth)
def create_activity(request: HttpRequest, payload: ActivityIn):
    community = Community.objects.select_related("town").filter(name=payload.community).first()
    if community is None:
        raise InvalidInput(f"community: 没有名为“{payload.community}”的社区", field="community")
    place = None
    if payload.place:
        place = Place.objects.filter(community=community, name=payload.place).first()
        if place is None:
            raise InvalidInput(f"place: {community.name}没有地点“{payload.place}”", field="place")
    a = services.create_activity(
        actor=request.auth, community=community, kind=payload.kind, title=payload.title, date_=payload.date,
        start_time=payload.start_time, place=place, place_text=payload.place_text, organiser=payload.organiser,
        description=payload.description, criteria=payload.criteria, target_text=payload.target_text,
        capacity=payload.capacity, signup_open=payload.signup_open,
    )
    return Status(201, selectors.public_row(selectors.get_public(a.pk)))


@activities_router.get("/{int:activity_id}", response={200: ActivityOut, 404: ErrorOut}, auth=None)
def get_activity(request: HttpRequest, activity_id: int):
    return selectors.public_row(selectors.get_public(activity_id))


@activities_router.post("/{int:activity_id}/signup", response={201: SignupOut, 403: ErrorOut, 404: ErrorOut,
                                                               409: ErrorOut}, auth=staff_auth)
def sign_up(request: HttpRequest, activity_id: int):
    """A resident signs up (a resident account, by token or session)."""
    a = selectors.get_public(activity_id)
    services.sign_up(a, request.auth)
    return Status(201, {"activity": a.pk, "signed_up": True, "signups": a.signups.count()})


@activities_router.post("/{int:activity_id}/cancel-signup", response={200: SignupOut, 404: ErrorOut, 409: ErrorOut},
                        auth=staff_auth)
def cancel_sign_up(request: HttpRequest, activity_id: int):
    a = selectors.get_public(activity_id)
    services.cancel_sign_up(a, request.auth)
    return {"activity": a.pk, "signed_up": False, "signups": a.signups.count()}


@activities_router.get("/{int:activity_id}/targets", response={200: TargetedOut, 403: ErrorOut, 404: ErrorOut},
                       auth=staff_auth)
def activity_targets(request: HttpRequest, activity_id: int):
    """The roster members the activity is for (masked), as far as the caller may see the roster."""
    _require_roster(request.auth)
    a = selectors.get_activity(request.auth, activity_id)
    members = list(services.target_members(a, request.auth).select_related(
        "household__grid", "household__community", "household__building").order_by("household__address", "id"))
    return {"target": services.target_text(a), "on": a.date, "count": len(members),
            "items": [roster.masked(m, a.date) for m in members]}


@activities_router.post("/{int:activity_id}/served", response={200: ServedOut, 403: ErrorOut, 404: ErrorOut,
                                                               409: ErrorOut}, auth=staff_auth)
def record_served(request: HttpRequest, activity_id: int, payload: ServedIn):
    """Record roster members as served (a visit made, a check-up given)."""
    a = selectors.get_activity(request.auth, activity_id)
    added = services.record_served(a, request.auth, members=payload.members, note=payload.note)
    return {"added": added, "served": selectors.served_count(selectors.get_public(a.pk))}


@activities_router.post("/{int:activity_id}/photos", response={201: ActivityOut, 403: ErrorOut, 404: ErrorOut,
                                                               422: ErrorOut}, auth=staff_auth)
def activity_photo(request: HttpRequest, activity_id: int, file: File[UploadedFile]):
    a = selectors.get_activity(request.auth, activity_id)
    services.add_photo(a, request.auth, file)
    return Status(201, selectors.public_row(selectors.get_public(a.pk)))


# ---------------------------------------------------------------------------------------------
# Roster


def _require_roster(user) -> None:
    if not roster.may_see_roster(user):
        raise NotAllowed("只有社区工作人员和本网格网格员可以查看居民花名册")


@roster_router.get("/members", response={200: MemberPage, 403: ErrorOut, 422: ErrorOut}, auth=staff_auth)
def list_members(request: HttpRequest, community: str | None = None, grid: str | None = None,
                 building: str | None = None, page: int = Query(1, ge=1, le=100000),
                 page_size: int = Query(50, ge=1, le=200)):
    """Roster members the caller may see, masked (张**, 138****5678, age instead of birth date)."""
    _require_roster(request.auth)
    qs = roster.member_list(request.auth, community=community, grid=grid, building=building)
    start = (page - 1) * page_size
    on = roster.today()
    return {"count": qs.count(), "page": page, "page_size": page_size,
            "items": [roster.masked(m, on) for m in qs[start:start + page_size]]}


@roster_router.get("/members/{int:member_id}", response={200: MemberOut, 403: ErrorOut, 404: ErrorOut},
                   auth=staff_auth)
def get_member(request: HttpRequest, member_id: int, reveal: bool = False):
    """One member, masked; `reveal=true` shows what the caller is entitled to and is audit-logged."""
    _require_roster(request.auth)
    m = roster.get_member(request.auth, member_id)
    if reveal:
        return roster.reveal(request.auth, m, via="api")
    return roster.masked(m)


def _criteria(user, f: TargetedFilters) -> tuple[Community, Criteria, date]:
    community = Community.objects.select_related("town").filter(name=f.community).first()
    if community is None:
        raise InvalidInput(f"community: 没有名为“{f.community}”的社区", field="community")
    grid_id = None
    if f.grid:
        grid_id = Grid.objects.filter(community=community, name=f.grid).values_list("pk", flat=True).first()
        if grid_id is None:
            raise InvalidInput(f"grid: {community.name}没有网格“{f.grid}”", field="grid")
    c = Criteria.from_json({"min_age": f.min_age, "max_age": f.max_age, "living_alone": f.living_alone,
                            "flood_prone": f.flood_prone, "disabled": f.disabled, "low_income": f.low_income,
                            "grid_id": grid_id})
    return community, c, f.on or roster.today(community.town)


def _targeted_qs(user, community, c, on):
    qs = roster.visible_members(user).filter(household__community=community)
    return apply(qs, c, on=on).select_related("household__grid", "household__community", "household__building") \
        .order_by("household__grid_id", "household__address", "birth_date", "id")


@roster_router.get("/targeted", response={200: TargetedOut, 403: ErrorOut, 422: ErrorOut}, auth=staff_auth)
def targeted(request: HttpRequest, filters: Query[TargetedFilters]):
    """A targeted list (aged 90+ on a date, living alone in flood-prone grids…), masked."""
    _require_roster(request.auth)
    community, c, on = _criteria(request.auth, filters)
    members = list(_targeted_qs(request.auth, community, c, on))
    return {"target": community.name + services.describe_target(c), "on": on, "count": len(members),
            "items": [roster.masked(m, on) for m in members]}


@roster_router.get("/targeted/export", response={200: None, 403: ErrorOut, 422: ErrorOut}, auth=staff_auth)
def targeted_export(request: HttpRequest, filters: Query[TargetedFilters]):
    """The same list as xlsx for visits: names, addresses, ages, care flags (phones only for community
    staff who ask for them). Audit-logged."""
    _require_roster(request.auth)
    community, c, on = _criteria(request.auth, filters)
    purpose = community.name + services.describe_target(c)
    out = io.BytesIO()
    export_members(request.auth, _targeted_qs(request.auth, community, c, on), out, on=on, purpose=purpose,
                   include_phone=filters.include_phone)
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=visit-list-{on:%Y%m%d}.xlsx"
    response["Cache-Control"] = "no-store"
    return response


@roster_router.post("/import", response={200: ImportOut, 403: ErrorOut, 422: ImportErrorOut}, auth=staff_auth)
def import_roster(request: HttpRequest, file: File[UploadedFile], dry_run: bool = False):
    """Import a 居民花名册 (xlsx): all rows or none; every bad row is listed with its number and reason."""
    import tempfile

    _require_roster(request.auth)
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
        for chunk in file.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            report = importer.import_file(tmp.name, dry_run=dry_run, actor=request.auth)
        except importer.RosterError as exc:
            return Status(422, {"detail": str(exc), "errors": []})
    if report.errors:
        return Status(422, {"detail": f"{len(report.errors)} 行有误，未导入任何数据",
                            "errors": [{"row": r, "reason": reason} for r, reason in report.errors]})
    return {"rows": report.rows, "households_created": report.households_created, "created": report.created,
            "updated": report.updated, "unchanged": report.unchanged, "dry_run": dry_run}


@roster_router.post("/grids/{int:grid_id}/flood-prone", response={200: dict, 403: ErrorOut, 404: ErrorOut},
                    auth=staff_auth)
def set_flood_prone(request: HttpRequest, grid_id: int, payload: FloodIn):
    grid = Grid.objects.select_related("community").filter(pk=grid_id).first()
    if grid is None:
        raise NotFound(f"没有编号为 {grid_id} 的网格")
    p = services.set_flood_prone(grid, request.auth, flood_prone=payload.flood_prone, note=payload.note)
    return {"grid": grid.name, "flood_prone": p.flood_prone}
