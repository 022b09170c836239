"""Pages: the resident roster, targeted visit lists and staff activity pages (/desk/roster/…,
/desk/activities/…), and the residents' page of upcoming activities (/activities/)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from minsheng.accounts.models import STAFF_ROLES
from minsheng.accounts.selectors import covers, memberships, visible
from minsheng.core.errors import DomainError, NotFound
from minsheng.facilities.desk import act, page_of, staff_page
from minsheng.territory.models import Community, Grid, Place

from . import importer, roster, selectors, services
from .exports import export_members
from .forms import ActivityForm, ActivityUpdateForm, CriteriaForm, ImportForm
from .models import ActivityPhoto, GridProfile
from .targeting import PRESETS, Criteria, apply

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _roster_communities(user):
    return visible(user, Community.objects.select_related("town"), role_set=roster.ROSTER_ROLES).order_by("name")


def _roster_grids(user):
    """Grids whose households the user may see (a grid worker: theirs; community staff: the community's)."""
    return visible(user, Grid.objects.select_related("community"), role_set=roster.ROSTER_ROLES).order_by(
        "community__name", "id")


roster_page = staff_page(check=roster.may_see_roster)


# ---------------------------------------------------------------------------------------------
# Roster


@roster_page
def roster_list(request: HttpRequest) -> HttpResponse:
    chosen = {k: (request.GET.get(k) or "").strip() or None for k in ("community", "grid", "building")}
    qs = roster.member_list(request.user, **chosen)
    page = page_of(qs, request)
    on = roster.today()
    return render(request, "services_activities/roster.html", {
        "page": page, "rows": [roster.masked(m, on) for m in page.object_list], "chosen": chosen,
        "grids": _roster_grids(request.user), "section": "roster",
        "can_import": any(roster.FULL_ROLES & {m.role for m in _memberships(request.user)}) or request.user.is_superuser,
    })


def _memberships(user):
    return memberships(user)


@never_cache
@roster_page
@require_http_methods(["GET", "POST"])
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Masked by default; the reveal button (POST) shows what the viewer is entitled to, audit-logged."""
    try:
        m = roster.get_member(request.user, pk)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        row = roster.reveal(request.user, m, via="page")
    else:
        row = roster.masked(m)
    served = m.served_in.select_related("activity").order_by("-activity__date")[:20]
    return render(request, "services_activities/member.html", {
        "m": m, "row": row, "served": served, "section": "roster", "may_reveal": roster.may_reveal(request.user, m)})


@roster_page
@require_http_methods(["GET", "POST"])
def roster_import(request: HttpRequest) -> HttpResponse:
    import tempfile

    form = ImportForm(request.POST or None, request.FILES or None)
    report = error = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
                for chunk in form.cleaned_data["file"].chunks():
                    tmp.write(chunk)
                tmp.flush()
                try:
                    report = importer.import_file(tmp.name, dry_run=form.cleaned_data["dry_run"], actor=request.user)
                except importer.RosterError as exc:
                    error, status = str(exc), 422
            if report is not None and report.errors:
                status = 422
        else:
            status = 422
    return render(request, "services_activities/import.html", {
        "form": form, "report": report, "error": error, "columns": importer.COLUMNS, "required": importer.REQUIRED,
        "section": "roster", "dry_run": form.cleaned_data.get("dry_run") if form.is_bound and form.is_valid() else False,
    }, status=status)


def _criteria_form(request) -> CriteriaForm:
    data = request.GET.copy() if request.GET else None
    preset = request.GET.get("preset")
    if data is not None and preset in PRESETS:
        for k, v in PRESETS[preset]["criteria"].items():
            data[k] = "on" if v is True else v
    communities = list(_roster_communities(request.user))
    if data is not None and not data.get("community") and communities:
        data["community"] = communities[0].name
    form = CriteriaForm(data)
    form.fields["community"].choices = [(c.name, c.name) for c in communities]
    form.fields["grid"].choices = [("", "—")] + [(g.name, f"{g.community.name} · {g.name}")
                                                 for g in _roster_grids(request.user)]
    return form


def _targeted(request, form: CriteriaForm):
    d = form.cleaned_data
    community = Community.objects.select_related("town").filter(name=d["community"]).first()
    grid_id = Grid.objects.filter(community=community, name=d["grid"]).values_list("pk", flat=True).first() \
        if d.get("grid") else None
    c = Criteria.from_json({"min_age": d["min_age"], "max_age": d["max_age"], "living_alone": d["living_alone"],
                            "flood_prone": d["flood_prone"], "disabled": d["disabled"],
                            "low_income": d["low_income"], "grid_id": grid_id})
    on = d["on"] or roster.today(community.town)
    qs = apply(roster.visible_members(request.user).filter(household__community=community), c, on=on)
    qs = qs.select_related("household__grid", "household__community", "household__building").order_by(
        "household__grid_id", "household__address", "birth_date", "id")
    return community, c, on, qs


@roster_page
def lists(request: HttpRequest) -> HttpResponse:
    """Targeted lists for visits: pick criteria, see the (masked) list, export it for the visit."""
    form = _criteria_form(request)
    result = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            try:
                community, c, on, qs = _targeted(request, form)
            except DomainError as exc:
                form.add_error(None, exc.detail)
                status = exc.status
            else:
                members = list(qs[:1000])
                result = {"target": community.name + services.describe_target(c), "on": on,
                          "rows": [roster.masked(m, on) for m in members], "count": qs.count(),
                          "query": request.GET.urlencode()}
        else:
            status = 422
    grids = list(_roster_grids(request.user))
    flood = set(GridProfile.objects.filter(grid__in=grids, flood_prone=True).values_list("grid_id", flat=True))
    grid_rows = [(g, g.pk in flood, covers(request.user, town_id=g.community.town_id, community_id=g.community_id,
                                           grid_id=g.pk, role_set=STAFF_ROLES)) for g in grids]
    return render(request, "services_activities/lists.html", {
        "form": form, "result": result, "presets": PRESETS, "grid_rows": grid_rows, "section": "lists"},
        status=status)


@never_cache
@roster_page
def lists_export(request: HttpRequest) -> HttpResponse:
    form = _criteria_form(request)
    if not form.is_valid():
        messages.error(request, _("条件有误，请重新选择"))
        return redirect("services_activities:lists")
    community, c, on, qs = _targeted(request, form)
    out = io.BytesIO()
    export_members(request.user, qs, out, on=on, purpose=community.name + services.describe_target(c),
                   include_phone=form.cleaned_data["include_phone"])
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=visit-list-{on:%Y%m%d}.xlsx"
    return response


@roster_page
@require_POST
def grid_flood(request: HttpRequest, pk: int) -> HttpResponse:
    grid = _roster_grids(request.user).filter(pk=pk).first()
    if grid is None:
        raise Http404
    flag = request.POST.get("flood_prone") == "1"
    return act(request, lambda: services.set_flood_prone(grid, request.user, flood_prone=flag),
               ok=_("已更新易涝网格"), back=reverse("services_activities:lists"))


# ---------------------------------------------------------------------------------------------
# Activities: staff


def _staff_communities(user):
    return [c for c in visible(user, Community.objects.select_related("town")).order_by("name")
            if services.is_activity_staff(user, c)]


def _activity_form(request) -> ActivityForm:
    form = ActivityForm(request.POST or None)
    communities = _staff_communities(request.user)
    form.fields["community"].choices = [(c.pk, c.name) for c in communities]
    form.fields["place"].choices = [("", "—")] + [
        (p.pk, f"{p.community.name} · {p.name}")
        for p in Place.objects.filter(community__in=communities).select_related("community").order_by(
            "community__name", "name")]
    return form


@staff_page()
@require_http_methods(["GET", "POST"])
def activity_desk(request: HttpRequest) -> HttpResponse:
    form = _activity_form(request)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                community = Community.objects.select_related("town").get(pk=d["community"])
                place = Place.objects.filter(pk=d["place"]).first() if d["place"] else None
                a = services.create_activity(
                    actor=request.user, community=community, kind=d["kind"], title=d["title"], date_=d["date"],
                    start_time=d["start_time"], place=place, place_text=d["place_text"], organiser=d["organiser"],
                    description=d["description"], criteria=form.criteria(), target_text=d["target_text"],
                    capacity=d["capacity"], signup_open=d["signup_open"])
            except DomainError as exc:
                form.add_error(None, exc.detail)
                status = exc.status
            else:
                messages.success(request, _("活动已建立：%(t)s") % {"t": a.title})
                return redirect("services_activities:activity", pk=a.pk)
        else:
            status = 422
    qs = selectors.staff_activities(request.user, community=request.GET.get("community") or None)
    page = page_of(qs, request)
    names = selectors.grid_names(page.object_list)
    mine = set(visible(request.user, Community.objects.all()).values_list("name", flat=True))
    return render(request, "services_activities/desk.html", {
        "page": page, "rows": [(a, selectors.public_row(a, names)) for a in page.object_list], "form": form,
        "can_add": bool(form.fields["community"].choices),
        "counts": [r for r in selectors.counts_per_community() if r["community"] in mine],
        "section": "activities"}, status=status)


@staff_page()
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        a = selectors.get_activity(request.user, pk)
    except NotFound:
        raise Http404 from None
    see_roster = roster.may_see_roster(request.user)
    served_ids = set(a.served.values_list("member_id", flat=True))
    targets = []
    if see_roster:
        members = services.target_members(a, request.user).select_related(
            "household__grid", "household__community", "household__building").order_by("household__address", "id")
        targets = [(roster.masked(m, a.date), m.pk in served_ids) for m in members[:1000]]
    served = []
    if see_roster:
        served = [roster.masked(s.member, a.date) for s in a.served.filter(
            member__in=roster.visible_members(request.user, include_inactive=True)).select_related(
            "member__household__grid", "member__household__community", "member__household__building")]
    return render(request, "services_activities/activity.html", {
        "a": a, "public": selectors.public_row(selectors.get_public(a.pk)) if not a.cancelled else None,
        "target": services.target_text(a), "targets": targets, "served": served, "see_roster": see_roster,
        "staff": services.is_activity_staff(request.user, a.community),
        "held": a.date <= roster.today(a.community.town),
        "update_form": ActivityUpdateForm(initial={"extra_headcount": a.extra_headcount,
                                                   "signup_open": a.signup_open}),
        "signups": a.signups.count(), "photos": a.photos.all(), "section": "activities"})


@staff_page()
@require_POST
def activity_served(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        a = selectors.get_activity(request.user, pk)
    except NotFound:
        raise Http404 from None
    try:
        ids = [int(x) for x in request.POST.getlist("members")]
    except ValueError:
        ids = []
    back = reverse("services_activities:activity", args=[a.pk])
    remove = request.POST.get("remove")
    if remove:
        return act(request, lambda: services.remove_served(a, request.user, member=int(remove)),
                   ok=_("已取消该服务记录"), back=back)
    return act(request, lambda: services.record_served(a, request.user, members=ids,
                                                       note=request.POST.get("note", "")),
               ok=_("已登记服务对象"), back=back)


@staff_page()
@require_POST
def activity_update(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        a = selectors.get_activity(request.user, pk)
    except NotFound:
        raise Http404 from None
    back = reverse("services_activities:activity", args=[a.pk])
    if request.POST.get("cancel") == "1":
        return act(request, lambda: services.cancel_activity(a, request.user), ok=_("活动已取消"), back=back)
    form = ActivityUpdateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的人数"))
        return redirect(back)
    return act(request, lambda: services.update_activity(
        a, request.user, extra_headcount=form.cleaned_data["extra_headcount"],
        signup_open=form.cleaned_data["signup_open"]), ok=_("已保存"), back=back)


@staff_page()
@require_POST
def activity_photo(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        a = selectors.get_activity(request.user, pk)
    except NotFound:
        raise Http404 from None
    upload = request.FILES.get("file")
    back = reverse("services_activities:activity", args=[a.pk])
    if upload is None:
        messages.error(request, _("请选择一张照片"))
        return redirect(back)
    return act(request, lambda: services.add_photo(a, request.user, upload), ok=_("照片已上传"), back=back)


@never_cache
@roster_page
def activity_export(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        a = selectors.get_activity(request.user, pk)
    except NotFound:
        raise Http404 from None
    out = io.BytesIO()
    export_members(request.user, services.target_members(a, request.user).order_by("household__address", "id"), out,
                   on=a.date, purpose=f"{a.community.name}{a.title}", include_phone=request.GET.get("phone") == "1")
    response = HttpResponse(out.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=activity-{a.pk}-{a.date:%Y%m%d}.xlsx"
    return response


def activity_photo_file(request: HttpRequest, pk: int) -> HttpResponse:
    """Activity photos are public (they are published with the activity)."""
    photo = ActivityPhoto.objects.filter(pk=pk, activity__cancelled=False).first()
    if photo is None:
        raise Http404
    response = FileResponse(photo.file.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


# ---------------------------------------------------------------------------------------------
# Activities: residents


def public_activities(request: HttpRequest) -> HttpResponse:
    """Upcoming activities; a signed-in resident can sign up. Past ones are counted per community."""
    community = request.GET.get("community") or None
    upcoming = list(selectors.public_activities(community=community, upcoming_from=roster.today()))
    mine = set()
    if request.user.is_authenticated:
        mine = set(request.user.activity_signups.filter(activity__in=upcoming).values_list("activity_id", flat=True))
    names = selectors.grid_names(upcoming)
    return render(request, "services_activities/public.html", {
        "rows": [(selectors.public_row(a, names), a.pk in mine, a) for a in upcoming],
        "counts": selectors.counts_per_community(), "communities": Community.objects.order_by("name"),
        "chosen": community})


@require_POST
def public_sign_up(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(reverse("services_activities:public"))
    try:
        a = selectors.get_public(pk)
    except NotFound:
        raise Http404 from None
    if request.POST.get("cancel") == "1":
        return act(request, lambda: services.cancel_sign_up(a, request.user), ok=_("已取消报名"),
                   back=reverse("services_activities:public"))
    return act(request, lambda: services.sign_up(a, request.user), ok=_("报名成功"),
               back=reverse("services_activities:public"))
