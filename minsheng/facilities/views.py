"""Facility pages: the staff register, maintenance plans and tasks (/desk/facilities/…), the public
register (/facilities/) and the public report-a-broken-facility page (/facilities/<id>/report/)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from minsheng.accounts.selectors import visible
from minsheng.attachments import views as attachment_views
from minsheng.core.errors import DomainError, NotFound, Throttled
from minsheng.core.ratelimit import client_ip
from minsheng.core.services import hit
from minsheng.demands.pages_support import receipt
from minsheng.territory.models import Community, Place

from . import selectors, services
from .desk import act, page_of, staff_page
from .forms import AssignForm, ConditionForm, FacilityForm, PhotoForm, PlanForm, ReportForm, TaskDoneForm
from .models import Condition, Facility, Kind, MaintenancePlan, TaskStatus


def _communities(user):
    return visible(user, Community.objects.select_related("town")).order_by("name")


def _get(user, pk: int) -> Facility:
    try:
        return selectors.get_visible(user, pk)
    except NotFound:
        raise Http404 from None


# ---------------------------------------------------------------------------------------------
# Public


def public_list(request: HttpRequest) -> HttpResponse:
    community = request.GET.get("community") or None
    rows = [selectors.public_row(f) for f in selectors.public_facilities(community=community).filter(parent=None)]
    return render(request, "facilities/public_list.html", {
        "rows": rows, "communities": Community.objects.order_by("name"), "chosen": community})


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Anyone: say a facility is broken. A demand is registered and the condition marked 损坏."""
    try:
        facility = selectors.get_public(pk)
    except NotFound:
        raise Http404 from None
    form = ReportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            user = request.user if request.user.is_authenticated else None
            try:
                if user is None:
                    hit(f"intake:{client_ip(request)}", limit=settings.MINSHENG_ANON_INTAKE_LIMIT,
                        per_seconds=settings.MINSHENG_ANON_INTAKE_WINDOW, message="提交过于频繁，请稍后再试")
                _f, demand, token = services.report_broken(
                    facility, user, note=form.cleaned_data["note"],
                    reporter_name=form.cleaned_data["reporter_name"],
                    reporter_phone=form.cleaned_data["reporter_phone"], photo=form.cleaned_data.get("photo"))
            except Throttled as exc:
                form.add_error(None, exc.detail)
                status = 429
            except DomainError as exc:
                form.add_error(None, exc.detail)
                status = exc.status
            else:
                return render(request, "facilities/report_done.html", {
                    "facility": facility, **receipt(request, demand.code, token,
                                                    by_sms=bool(form.cleaned_data["reporter_phone"]))}, status=201)
        else:
            status = 422
    return render(request, "facilities/report.html", {"facility": facility, "form": form}, status=status)


# ---------------------------------------------------------------------------------------------
# Staff: the register


@staff_page()
def desk_list(request: HttpRequest) -> HttpResponse:
    chosen = {k: (request.GET.get(k) or "").strip() or None for k in ("community", "kind", "condition", "q")}
    qs = selectors.staff_list(request.user, **chosen)
    page = page_of(qs, request)
    rows = [(f, selectors.maintenance_of(f)) for f in page.object_list]
    return render(request, "facilities/desk_list.html", {
        "page": page, "rows": rows, "chosen": chosen, "communities": _communities(request.user),
        "kinds": Kind.choices, "conditions": Condition.choices, "section": "facilities",
        "can_add": any(services.is_manager(request.user, c) for c in _communities(request.user)),
    })


def _facility_form(request, user) -> FacilityForm:
    form = FacilityForm(request.POST or None)
    communities = [c for c in _communities(user) if services.is_manager(user, c)]
    form.fields["community"].choices = [(c.pk, c.name) for c in communities]
    form.fields["place"].choices = [("", "—")] + [
        (p.pk, f"{p.community.name} · {p.name}")
        for p in Place.objects.filter(community__in=communities).select_related("community").order_by(
            "community__name", "name")]
    form.fields["parent"].choices = [("", "—")] + [
        (f.pk, f"{f.community.name} · {f.name}")
        for f in Facility.objects.filter(community__in=communities, parent=None).select_related("community")
        .order_by("community__name", "name")]
    return form


@staff_page()
@require_http_methods(["GET", "POST"])
def desk_new(request: HttpRequest) -> HttpResponse:
    form = _facility_form(request, request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                community = Community.objects.select_related("town").get(pk=d["community"])
                place = Place.objects.filter(pk=d["place"]).first() if d["place"] else None
                parent = Facility.objects.filter(pk=d["parent"]).first() if d["parent"] else None
                f = services.register_facility(
                    actor=request.user, community=community, name=d["name"], kind=d["kind"], quantity=d["quantity"],
                    unit=d["unit"], place=place, parent=parent, condition=d["condition"],
                    description=d["description"])
            except DomainError as exc:
                form.add_error(None, exc.detail)
                status = exc.status
            else:
                messages.success(request, _("已登记：%(name)s") % {"name": f.name})
                return redirect("facilities:desk_detail", pk=f.pk)
        else:
            status = 422
    return render(request, "facilities/desk_new.html", {"form": form, "section": "facilities"}, status=status)


@staff_page()
def desk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    f = _get(request.user, pk)
    return render(request, "facilities/desk_detail.html", {
        "f": f, "maintenance": selectors.maintenance_of(f), "section": "facilities",
        "components": f.components.order_by("name"),
        "events": f.events.select_related("task__plan").order_by("-at", "-id")[:100],
        "photos": f.photos.order_by("-created_at")[:30],
        "tasks": f.tasks.select_related("plan", "assignee").order_by("-due_at")[:20],
        "manager": services.is_manager(request.user, f),
        "condition_form": ConditionForm(initial={"condition": f.condition}), "photo_form": PhotoForm(),
    })


@staff_page()
@require_POST
def desk_condition(request: HttpRequest, pk: int) -> HttpResponse:
    f = _get(request.user, pk)
    form = ConditionForm(request.POST)
    back = reverse("facilities:desk_detail", args=[f.pk])
    if not form.is_valid():
        messages.error(request, _("请选择状况"))
        return redirect(back)
    return act(request, lambda: services.set_condition(f, request.user, condition=form.cleaned_data["condition"],
                                                       note=form.cleaned_data["note"]),
               ok=_("状况已更新"), back=back)


@staff_page()
@require_POST
def desk_photo(request: HttpRequest, pk: int) -> HttpResponse:
    f = _get(request.user, pk)
    form = PhotoForm(request.POST, request.FILES)
    back = reverse("facilities:desk_detail", args=[f.pk])
    if not form.is_valid():
        messages.error(request, _("请选择一张照片"))
        return redirect(back)
    return act(request, lambda: services.add_photo(f, request.user, form.cleaned_data["file"],
                                                   caption=form.cleaned_data["caption"]),
               ok=_("照片已上传"), back=back)


@staff_page()
def desk_photo_file(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_views.serve(request, Facility, pk, not_found=Http404())


# ---------------------------------------------------------------------------------------------
# Staff: plans and tasks


def _plan_form(request, user) -> PlanForm:
    form = PlanForm(request.POST or None)
    communities = [c for c in _communities(user) if services.is_manager(user, c)]
    form.fields["community"].choices = [(c.pk, c.name) for c in communities]
    form.fields["facilities"].choices = [
        (f.pk, f"{f.community.name} · {f.name}")
        for f in Facility.objects.filter(community__in=communities).select_related("community", "parent")
        .order_by("community__name", "name")]
    people = {u.username: u.get_full_name() or u.username for u in services.assignees_of(communities)}
    form.fields["assignee"].choices = [("", "—")] + sorted(people.items())
    return form


@staff_page()
@require_http_methods(["GET", "POST"])
def desk_plans(request: HttpRequest) -> HttpResponse:
    form = _plan_form(request, request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            d = form.cleaned_data
            try:
                community = Community.objects.select_related("town").get(pk=d["community"])
                facilities = list(Facility.objects.filter(pk__in=d["facilities"]))
                plan = services.create_plan(
                    actor=request.user, community=community, title=d["title"], facilities=facilities,
                    frequency=d["frequency"], weekday=d["weekday"], day=d["day"], month=d["month"],
                    due_time=d["due_time"], grace_hours=d["grace_hours"], lead_days=d["lead_days"],
                    assignee=d["assignee"] or None, instructions=d["instructions"])
                services.generate_tasks(plans=MaintenancePlan.objects.filter(pk=plan.pk))
            except DomainError as exc:
                form.add_error(None, exc.detail)
                status = exc.status
            else:
                messages.success(request, _("维护计划已建立：%(t)s") % {"t": plan.title})
                return redirect("facilities:desk_plans")
        else:
            status = 422
    plans = [(p, services.next_due(p)) for p in selectors.visible_plans(request.user)]
    return render(request, "facilities/desk_plans.html", {
        "plans": plans, "form": form, "section": "plans",
        "can_add": bool(form.fields["community"].choices)}, status=status)


@staff_page()
def desk_tasks(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    status = request.GET.get("status") or None
    if status not in (None, *TaskStatus.values):
        status = None
    qs = selectors.task_list(request.user, mine=mine, status=status)
    counts = selectors.visible_tasks(request.user).aggregate(
        pending=Count("id", filter=Q(status=TaskStatus.PENDING)), missed=Count("id", filter=Q(status=TaskStatus.MISSED)),
        mine=Count("id", filter=Q(assignee_id=request.user.pk) & ~Q(status=TaskStatus.DONE)))
    return render(request, "facilities/desk_tasks.html", {
        "page": page_of(qs, request), "mine": mine, "status": status, "statuses": TaskStatus.choices,
        "counts": counts, "section": "tasks"})


@staff_page()
@require_http_methods(["GET", "POST"])
def desk_task(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        t = selectors.get_task(request.user, pk)
    except NotFound:
        raise Http404 from None
    form = TaskDoneForm(request.POST or None, request.FILES or None)
    assign = AssignForm()
    assign.fields["assignee"].choices = [(u.username, u.get_full_name() or u.username)
                                         for u in services.assignee_choices(t.facility.community)]
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.complete_task(t, request.user, notes=form.cleaned_data["notes"],
                                       photos=form.cleaned_data["photos"],
                                       condition=form.cleaned_data["condition"] or None)
            except DomainError as exc:
                if exc.status == 403:
                    return render(request, "facilities/forbidden.html", {"detail": exc.detail}, status=403)
                form.add_error(None, exc.detail)
                status = exc.status
            else:
                messages.success(request, _("任务已完成"))
                return redirect("facilities:desk_task", pk=t.pk)
        else:
            status = 422
    return render(request, "facilities/desk_task.html", {
        "t": t, "form": form, "assign": assign, "section": "tasks",
        "may_complete": services.may_complete(request.user, t), "manager": services.is_manager(request.user, t.facility),
        "photos": t.photos.order_by("created_at")}, status=status)


@staff_page()
@require_POST
def desk_task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        t = selectors.get_task(request.user, pk)
    except NotFound:
        raise Http404 from None
    return act(request, lambda: services.assign_task(t, request.user, assignee=request.POST.get("assignee", "")),
               ok=_("已指派"), back=reverse("facilities:desk_task", args=[t.pk]))
