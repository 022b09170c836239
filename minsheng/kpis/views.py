"""Pages for satisfaction: the callback desk (回访), the public monthly ranking, and the community sense
surveys (the resident's answer page and the staff desk). Thin: changes go through the services
(`minsheng.demands.services.callback`, `surveys`), reads through the selectors."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minsheng.accounts.services import mask_name, mask_phone
from minsheng.core.errors import Conflict, DomainError, InvalidInput, NotFound
from minsheng.core.ratelimit import client_ip
from minsheng.core.services import hit
from minsheng.demands import selectors as demand_selectors
from minsheng.demands import services as demand_services
from minsheng.demands.models import Resolution, Satisfaction, Status
from minsheng.demands.views import _field_message, _int, _message, staff_required

from . import callbacks, rankings, surveys
from . import services as kpi_services
from .models import SenseSurvey

PAGE_SIZE = 50

# ---------------------------------------------------------------------------------------------
# The callback desk (回访)


def _callback_context(request: HttpRequest) -> dict:
    user = request.user
    paginator = Paginator(callbacks.queue(user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    reveal = (request.GET.get("reveal") or "").strip().upper()[:32]
    now = timezone.now()
    rows = []
    for d in page.object_list:
        can_call = demand_services.staff(user, d)
        if reveal and d.code == reveal and can_call:
            reporter = demand_selectors.reporter_view(user, d, via="desk:callbacks")
        else:
            reporter = {"reporter_name": mask_name(d.reporter_name), "reporter_phone": mask_phone(d.reporter_phone),
                        "masked": bool(d.reporter_name or d.reporter_phone)}
        rows.append({"d": d, "days": callbacks.days_waiting(d.waiting_since, now), "can_call": can_call,
                     "reporter": reporter})
    return {
        "rows": rows, "page": page, "total": paginator.count, "no_answer_days": callbacks.no_answer_days(),
        "resolutions": Resolution.choices, "satisfactions": Satisfaction.choices,
    }


@staff_required
@require_GET
def callback_desk(request: HttpRequest) -> HttpResponse:
    return render(request, "kpis/callbacks.html", _callback_context(request))


@staff_required
@require_POST
def callback_record(request: HttpRequest, code: str) -> HttpResponse:
    """Record a phone callback. The form carries the version the page showed: a demand changed since
    (rated by the reporter, reopened …) is refused with 409 and nothing is written."""
    user, post = request.user, request.POST
    try:
        d = demand_selectors.get_visible(user, code)
    except NotFound as exc:
        return render(request, "demands/message.html", {"title": _("未找到诉求"), "text": exc.detail}, status=404)
    try:
        version = _int(post.get("version"), "version", "版本号格式不正确")
        if version is None:
            raise InvalidInput("version: 页面缺少版本号，请刷新后重试", field="version")
        d = demand_services.callback(
            d, user, resolution=post.get("resolution", ""), satisfaction=post.get("satisfaction", ""),
            note=post.get("note", ""), handler_fault=post.get("handler_fault") == "1", expected_version=version,
        )
    except DomainError as exc:
        ctx = _callback_context(request)
        ctx.update({"error": _field_message(exc), "error_code": d.code})
        return render(request, "kpis/callbacks.html", ctx, status=exc.status)
    if d.status == Status.REOPENED:
        messages.success(request, _("%(code)s：已记录回访，诉求已重办") % {"code": d.code})
    else:
        messages.success(request, _("%(code)s：已记录回访") % {"code": d.code})
    page = post.get("page", "")
    return redirect(reverse("kpis:callbacks") + (f"?{urlencode({'page': page})}" if page.isdigit() else ""))


# ---------------------------------------------------------------------------------------------
# The public monthly ranking


@require_GET
def ranking_page(request: HttpRequest) -> HttpResponse:
    month = (request.GET.get("month") or "").strip()[:7]
    town_name = (request.GET.get("town") or "").strip()[:60]
    ctx: dict = {"months": rankings.published_months(), "month": month, "town_name": town_name, "error": "",
                 "rankings": []}
    try:
        town = rankings.find_town(town_name)
        label, found = rankings.published(month or None, town=town)
    except DomainError as exc:
        ctx["error"] = _message(exc)
        return render(request, "kpis/rankings.html", ctx, status=exc.status)
    ctx["month"] = label or month
    ctx["rankings"] = found
    return render(request, "kpis/rankings.html", ctx)


# ---------------------------------------------------------------------------------------------
# Community sense surveys: the resident's page


ANSWERED_KEY = "minsheng_surveys_answered"
SCALE = [(1, gettext_lazy("很不好")), (2, gettext_lazy("不太好")), (3, gettext_lazy("一般")), (4, gettext_lazy("比较好")),
         (5, gettext_lazy("很好"))]  # shown only


def _answered_here(request: HttpRequest, survey: SenseSurvey) -> bool:
    if survey.pk in request.session.get(ANSWERED_KEY, []):
        return True
    user = request.user
    return bool(user.is_authenticated and survey.responses.filter(respondent=user).exists())


def _dims(ctx: dict) -> dict:
    """The five questions with the answer given and any error (templates cannot look up by variable)."""
    values, errors = ctx.get("values", {}), ctx.get("errors", {})
    ctx["dims"] = [{"code": code, "label": _(label), "value": str(values.get(code, "")), "error": errors.get(code, "")}
                   for code, label in surveys.SENSE_DIMENSIONS]
    return ctx


def _survey_context(request: HttpRequest, survey: SenseSurvey) -> dict:
    return {"survey": survey, "dimensions": surveys.SENSE_DIMENSIONS, "scale": SCALE, "values": {}, "errors": {},
            "error": "", "answered": _answered_here(request, survey)}


@never_cache
@require_http_methods(["GET", "POST"])
def survey_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        survey = surveys.survey_or_404(pk)
    except NotFound:
        return render(request, "demands/message.html", {"title": _("未找到调查"), "text": _("没有这项调查。")},
                      status=404)
    ctx = _survey_context(request, survey)
    if request.method == "GET":
        return render(request, "kpis/survey.html", _dims(ctx))
    ctx["values"] = {c: request.POST.get(c, "") for c in surveys.DIMENSIONS} | {
        "comment": request.POST.get("comment", "")}
    user = request.user if request.user.is_authenticated else None
    try:
        if user is None:
            if survey.pk in request.session.get(ANSWERED_KEY, []):
                raise Conflict("您已参与过本次调查，感谢您的参与")
            hit(f"survey:{client_ip(request)}", limit=getattr(settings, "MINSHENG_SURVEY_ANON_LIMIT", 10),
                per_seconds=getattr(settings, "MINSHENG_SURVEY_ANON_WINDOW", 3600), message="提交过于频繁，请稍后再试")
        kpi_services.answer_survey(survey, ratings=request.POST, comment=request.POST.get("comment", ""), respondent=user)
    except DomainError as exc:
        if exc.field in surveys.DIMENSIONS or exc.field == "comment":
            ctx["errors"] = {exc.field: _message(exc)}
        else:
            ctx["error"] = _message(exc)
        return render(request, "kpis/survey.html", _dims(ctx), status=exc.status)
    request.session[ANSWERED_KEY] = [*request.session.get(ANSWERED_KEY, [])[-49:], survey.pk]
    messages.success(request, _("感谢您的参与！"))
    return redirect("kpis:survey", pk=survey.pk)


# ---------------------------------------------------------------------------------------------
# Community sense surveys: the staff desk


def _desk_context(request: HttpRequest) -> dict:
    user = request.user
    page = Paginator(surveys.visible_surveys(user).select_related("community__town")
                     .order_by("-first_day", "community__name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    figures = surveys.indices(s.pk for s in page.object_list)
    return {"rows": [{"s": s, **figures[s.pk]} for s in page.object_list], "page": page,
            "communities": list(surveys.manageable_communities(user)), "values": {}, "error": ""}


@staff_required
@require_GET
def survey_desk(request: HttpRequest) -> HttpResponse:
    return render(request, "kpis/survey_desk.html", _desk_context(request))


@staff_required
@require_POST
def survey_create(request: HttpRequest) -> HttpResponse:
    user, post = request.user, request.POST
    try:
        cid = _int(post.get("community"), "community", "请选择社区")
        community = surveys.manageable_communities(user).filter(pk=cid).first() if cid else None
        if community is None:
            raise InvalidInput("community: 请选择您负责的社区", field="community")
        survey = kpi_services.create_survey(user, community=community, period=post.get("period", ""),
                                title=post.get("title", ""))
    except DomainError as exc:
        ctx = _desk_context(request)
        ctx.update({"values": {k: post.get(k, "") for k in ("community", "period", "title")},
                    "error": _message(exc)})
        return render(request, "kpis/survey_desk.html", ctx, status=exc.status)
    messages.success(request, _("已发起调查"))
    return redirect("kpis:survey_results", pk=survey.pk)


def _visible_survey(request: HttpRequest, pk: int) -> SenseSurvey | None:
    return surveys.visible_surveys(request.user).select_related("community__town").filter(pk=pk).first()


def _results_context(request: HttpRequest, survey: SenseSurvey) -> dict:
    points = surveys.trend(survey.community)
    current = next((p for p in points if p["survey"].pk == survey.pk), None)
    return {
        "survey": survey, "current": current, "trend": points, "chart": surveys.chart(points) if points else None,
        "comments": list(surveys.comments(survey)), "dimensions": surveys.SENSE_DIMENSIONS, "scale": SCALE,
        "can_manage": surveys.can_manage(request.user, survey.community),
        "can_enter": surveys.can_enter(request.user, survey.community),
        "public_link": request.build_absolute_uri(reverse("kpis:survey", args=[survey.pk])),
        "values": {}, "errors": {}, "error": "",
    }


def _survey_not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "demands/message.html", {"title": _("未找到调查"), "text": _("没有这项调查，或您无权查看。")},
                  status=404)


@staff_required
@require_GET
def survey_results(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _visible_survey(request, pk)
    if survey is None:
        return _survey_not_found(request)
    return render(request, "kpis/survey_results.html", _dims(_results_context(request, survey)))


@staff_required
@require_POST
def survey_paper(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _visible_survey(request, pk)
    if survey is None:
        return _survey_not_found(request)
    try:
        kpi_services.enter_paper(request.user, survey, ratings=request.POST, comment=request.POST.get("comment", ""))
    except DomainError as exc:
        ctx = _results_context(request, survey)
        ctx["values"] = {c: request.POST.get(c, "") for c in surveys.DIMENSIONS} | {
            "comment": request.POST.get("comment", "")}
        if exc.field in surveys.DIMENSIONS or exc.field == "comment":
            ctx["errors"] = {exc.field: _message(exc)}
        else:
            ctx["error"] = _message(exc)
        return render(request, "kpis/survey_results.html", _dims(ctx), status=exc.status)
    messages.success(request, _("已录入一份纸质问卷"))
    return redirect("kpis:survey_results", pk=survey.pk)


@staff_required
@require_POST
def survey_status(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _visible_survey(request, pk)
    if survey is None:
        return _survey_not_found(request)
    try:
        kpi_services.set_survey_status(request.user, survey, request.POST.get("status", ""))
    except DomainError as exc:
        ctx = _results_context(request, survey)
        ctx["error"] = _message(exc)
        return render(request, "kpis/survey_results.html", _dims(ctx), status=exc.status)
    messages.success(request, _("调查已结束") if survey.status == SenseSurvey.Status.CLOSED else _("调查已重新开放"))
    return redirect("kpis:survey_results", pk=survey.pk)
