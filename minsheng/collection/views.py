"""Pages of the collection channels (民情收集) under /desk/collect/, and the public answer page of an
opinion form. Thin: every change goes through meetings / visits / opinion / ledger_web; a DomainError
becomes the page with its message and status (never a 5xx). Forms work without JavaScript."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minsheng.accounts.models import STAFF_ROLES, Role
from minsheng.accounts.selectors import visible
from minsheng.attachments import views as attachment_views
from minsheng.core.errors import DomainError, InvalidInput, NotFound
from minsheng.core.ratelimit import client_ip
from minsheng.demands import selectors
from minsheng.demands.models import Category, Channel, Status
from minsheng.kpis.periods import parse
from minsheng.territory.models import Community, Grid, ResidentGroup

from .access import can_collect, is_community_staff
from .models import (
    FormResponse,
    LedgerImport,
    Meeting,
    MeetingItem,
    MeetingKind,
    OpinionForm,
    Question,
    QuestionKind,
    Recurrence,
    Visit,
)
from .printing import form_pdf as make_pdf
from .printing import qr_png
from .services import ledger_web, meetings, opinion, visits

PAGE_SIZE = 30
# Marked for the catalogue; the template translates them ({% translate label %}).
WEEKDAYS = [(0, gettext_noop("星期一")), (1, gettext_noop("星期二")), (2, gettext_noop("星期三")),
            (3, gettext_noop("星期四")), (4, gettext_noop("星期五")), (5, gettext_noop("星期六")),
            (6, gettext_noop("星期日"))]
WEEKS = [(1, gettext_noop("第一个")), (2, gettext_noop("第二个")), (3, gettext_noop("第三个")),
         (4, gettext_noop("第四个")), (-1, gettext_noop("最后一个"))]


def _message(exc: DomainError) -> str:
    return re.sub(r"^[A-Za-z_/\-]+:\s*", "", exc.detail)


def _page(request, title: str, text: str, status: int) -> HttpResponse:
    return render(request, "demands/message.html", {"title": title, "text": text}, status=status)


def collector_required(view):
    """Signed in (else to /login/?next=…) and territorial staff (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not can_collect(request.user):
            return _page(request, _("无权访问"), _("民情收集仅供镇、社区和网格工作人员使用。"), 403)
        try:
            return never_cache(view)(request, *args, **kwargs)
        except NotFound as exc:
            return _page(request, _("未找到"), _message(exc), 404)

    return wrapped


def _int(value, field: str = "id") -> int | None:
    value = (str(value) if value is not None else "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{field}: 格式不正确", field=field) from None


def _date(value: str, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: 日期格式应为 YYYY-MM-DD", field=field) from None


def _time(value: str, field: str) -> time | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: 时间格式应为 HH:MM", field=field) from None


def _datetime(value: str, field: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{field}: 时间格式应为 YYYY-MM-DD HH:MM", field=field) from None
    return dt if timezone.is_aware(dt) else timezone.make_aware(dt)


def staff_communities(user):
    return visible(user, Community.objects.select_related("town"), role_set=STAFF_ROLES).order_by("town__name", "name")


def _community(user, value) -> Community:
    pk = _int(value, "community")
    communities = staff_communities(user)
    if pk is None:
        if communities.count() == 1:
            return communities.first()
        raise InvalidInput("community: 请选择社区", field="community")
    c = communities.filter(pk=pk).first()
    if c is None:
        raise InvalidInput("community: 您不是该社区的工作人员", field="community")
    return c


@collector_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    ctx = {
        "upcoming": list(visible(user, Meeting.objects.select_related("community"))
                         .filter(starts_at__gte=now, state=Meeting.State.SCHEDULED).order_by("starts_at")[:5]),
        "forms": list(visible(user, OpinionForm.objects.select_related("community"))
                      .filter(state=OpinionForm.State.OPEN)[:5]),
        "my_visits": Visit.objects.filter(worker=user, visited_at__gte=now - timezone.timedelta(days=30)).count(),
        "is_staff": staff_communities(user).exists(),
    }
    return render(request, "collection/home.html", ctx)


# ---------------------------------------------------------------------------------------------
# Meetings


def _meeting(user, pk) -> Meeting:
    m = visible(user, Meeting.objects.select_related("community__town", "series")).filter(pk=pk).first()
    if m is None:
        raise NotFound(_("没有这次会议，或您无权查看"))
    return m


@collector_required
@require_GET
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    g = request.GET
    qs = visible(user, Meeting.objects.select_related("community")).annotate(
        n_proposed=Count("items", filter=Q(items__state=MeetingItem.State.PROPOSED)),
        n_registered=Count("items", filter=Q(items__state=MeetingItem.State.REGISTERED)),
    ).order_by("-starts_at", "-id")
    kind = g.get("kind", "") if g.get("kind", "") in MeetingKind.values else ""
    when = g.get("when", "") if g.get("when", "") in ("upcoming", "past") else ""
    if kind:
        qs = qs.filter(kind=kind)
    now = timezone.now()
    if when == "upcoming":
        qs = qs.filter(starts_at__gte=now).order_by("starts_at", "id")
    elif when == "past":
        qs = qs.filter(starts_at__lt=now)
    page = Paginator(qs, PAGE_SIZE).get_page(g.get("page"))
    return render(request, "collection/meetings.html", {
        "page": page, "kinds": MeetingKind.choices, "chosen": {"kind": kind, "when": when},
        "can_create": staff_communities(user).exists(),
    })


def _meeting_form_context(user, values: dict | None = None, error: str = "", field: str = "") -> dict:
    communities = list(staff_communities(user))
    ids = [c.pk for c in communities]
    return {
        "communities": communities, "kinds": MeetingKind.choices, "recurrences": Recurrence.choices,
        "weekdays": WEEKDAYS, "weeks": WEEKS,
        "roles": [(r, Role(r).label) for r in meetings.ATTENDEE_ROLES],
        "groups": list(ResidentGroup.objects.filter(community_id__in=ids).select_related("community")
                       .order_by("community__name", "number")),
        "people": meetings.people_of(communities[:10]),
        "values": values or {"kind": MeetingKind.GROUP_MEETING, "time": "19:00"},
        "error": error, "error_field": field,
    }


@collector_required
@require_http_methods(["GET", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not staff_communities(user).exists():
        return _page(request, _("无权访问"), _("只有社区工作人员可以安排会议。"), 403)
    if request.method == "GET":
        return render(request, "collection/meeting_new.html", _meeting_form_context(user))
    p = request.POST
    values = {k: p.get(k, "") for k in ("community", "kind", "title", "location", "recurrence", "date", "time",
                                        "week_of_month", "weekday", "day_of_month", "until")}
    values["roles"] = p.getlist("roles")
    values["groups"] = p.getlist("groups")
    values["users"] = p.getlist("users")
    try:
        community = _community(user, p.get("community"))
        invitees = meetings.clean_invitees(community, roles=p.getlist("roles"), group_ids=p.getlist("groups"),
                                           user_ids=p.getlist("users"))
        recurrence = p.get("recurrence", "")
        on, at = _date(p.get("date", ""), "date"), _time(p.get("time", ""), "time")
        if recurrence:
            series = meetings.create_series(
                user, community=community, kind=p.get("kind", ""), recurrence=recurrence, at=at, starts_on=on,
                title=p.get("title", ""), location=p.get("location", ""),
                week_of_month=_int(p.get("week_of_month"), "week_of_month"), weekday=_int(p.get("weekday"), "weekday"),
                day_of_month=_int(p.get("day_of_month"), "day_of_month"), until=_date(p.get("until", ""), "until"),
                invitees=invitees,
            )
            n = series.meetings.count()
            messages.success(request, _("已安排例会“%(t)s”，已排出 %(n)d 次会议") % {"t": series.title, "n": n})
            return redirect(reverse("collection:meetings") + "?when=upcoming")
        if on is None or at is None:
            raise InvalidInput("date: 请填写会议日期和时间", field="date")
        starts_at = timezone.make_aware(datetime.combine(on, at))
        m = meetings.create_meeting(user, community=community, kind=p.get("kind", ""), starts_at=starts_at,
                                    title=p.get("title", ""), location=p.get("location", ""), invitees=invitees)
    except DomainError as exc:
        ctx = _meeting_form_context(user, values, _message(exc), exc.field or "")
        return render(request, "collection/meeting_new.html", ctx, status=exc.status)
    messages.success(request, _("已安排会议"))
    return redirect("collection:meeting", pk=m.pk)


def _meeting_context(request, m: Meeting, **extra) -> dict:
    user = request.user
    items = list(m.items.select_related("grid", "demand").order_by("line", "part"))
    ctx = {
        "m": m, "can_manage": is_community_staff(user, m.community),
        "attendees": meetings.attendees(m),
        "groups": list(m.attendee_groups.order_by("number")),
        "roles": [Role(r).label for r in m.attendee_roles if r in Role.values],
        "proposed": [i for i in items if i.state == MeetingItem.State.PROPOSED],
        "registered": [i for i in items if i.state == MeetingItem.State.REGISTERED],
        "dismissed": [i for i in items if i.state == MeetingItem.State.DISMISSED],
        "categories": Category.choices,
        "grids": list(Grid.objects.filter(community=m.community).order_by("id")),
        "minute_lines": (m.minutes or "").splitlines(),
        "minutes_value": m.minutes, "channel_label": Channel(m.channel).label,
    }
    ctx.update(extra)
    return ctx


@collector_required
@require_GET
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    m = _meeting(request.user, pk)
    return render(request, "collection/meeting.html", _meeting_context(request, m))


def _meeting_action(request, pk: int, call, done, anchor: str = "") -> HttpResponse:
    m = _meeting(request.user, pk)
    try:
        result = call(m)
    except DomainError as exc:
        m = _meeting(request.user, pk)
        ctx = _meeting_context(request, m, error=_message(exc))
        if exc.field == "minutes" and request.POST.get("minutes") is not None:
            ctx["minutes_value"] = request.POST.get("minutes")
        return render(request, "collection/meeting.html", ctx, status=exc.status)
    messages.success(request, done(result) if callable(done) else done)
    return redirect(reverse("collection:meeting", args=[pk]) + anchor)


@collector_required
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    def call(m):
        m = meetings.save_minutes(m, request.user, request.POST.get("minutes", ""))
        if request.POST.get("then") == "extract" and m.minutes:
            return meetings.extract_items(m, request.user)
        return None

    return _meeting_action(request, pk, call, lambda items: _("已保存纪要") if items is None else
                           _("已保存纪要，提取出 %(n)d 条问题，请确认后登记") % {"n": len(items)}, "#items")


@collector_required
@require_POST
def meeting_extract(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_action(
        request, pk, lambda m: meetings.extract_items(m, request.user),
        lambda items: _("提取出 %(n)d 条问题，请确认后登记") % {"n": sum(i.state == "proposed" for i in items)},
        "#items")


@collector_required
@require_POST
def meeting_register(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    edits: dict[int, meetings.ItemEdit] = {}

    def call(m):
        for raw in p.getlist("pick"):
            item_id = _int(raw, "pick")
            edits[item_id] = meetings.ItemEdit(
                text=p.get(f"text-{item_id}"), category=p.get(f"category-{item_id}") or None,
                urgent=p.get(f"urgent-{item_id}") == "1" if f"text-{item_id}" in p else None,
                place_text=p.get(f"place-{item_id}"), grid=p.get(f"grid-{item_id}"),
            )
        return meetings.register_items(m, request.user, edits)

    def done(result):
        new, already = result
        text = _("已登记 %(n)d 件诉求") % {"n": len(new)}
        if already:
            text += _("（%(n)d 件此前已登记，未重复创建）") % {"n": len(already)}
        return text

    return _meeting_action(request, pk, call, done, "#items")


@collector_required
@require_POST
def meeting_dismiss(request: HttpRequest, pk: int, item: int) -> HttpResponse:
    return _meeting_action(request, pk, lambda m: meetings.dismiss_item(m, request.user, item), _("已忽略"),
                           "#items")


@collector_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    return _meeting_action(request, pk, lambda m: meetings.cancel_meeting(m, request.user), _("会议已取消"))


# ---------------------------------------------------------------------------------------------
# Grid visits


def _visit_form_context(user, values=None, error: str = "", field: str = "") -> dict:
    buildings = list(visits.buildings_for(user))
    return {"buildings": buildings, "values": values or {}, "error": error, "error_field": field,
            "single_grid": len({b.grid_id for b in buildings}) == 1, "max_photos": visits.MAX_PHOTOS}


@collector_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "GET":
        return render(request, "collection/visit_new.html", _visit_form_context(user))
    p = request.POST
    values = {k: p.get(k, "") for k in ("building", "household", "notes", "demands", "reporter_name",
                                        "reporter_phone", "visited_at", "urgent")}
    try:
        result = visits.record_visit(
            user, building_id=p.get("building"), household=p.get("household", ""), notes=p.get("notes", ""),
            demands_text=p.get("demands", ""), reporter_name=p.get("reporter_name", ""),
            reporter_phone=p.get("reporter_phone", ""), photos=request.FILES.getlist("photos"),
            visited_at=_datetime(p.get("visited_at", ""), "visited_at"), urgent=p.get("urgent") == "1",
        )
    except DomainError as exc:
        ctx = _visit_form_context(user, values, _message(exc), exc.field or "")
        return render(request, "collection/visit_new.html", ctx, status=exc.status)
    n = len(result.demands)
    messages.success(request, _("已记录走访") + (_("，登记诉求 %(n)d 件") % {"n": n} if n else ""))
    return redirect("collection:visit", pk=result.visit.pk)


def _visit(user, pk) -> Visit:
    v = visible(user, Visit.objects.select_related("grid__community", "building", "worker")).filter(pk=pk).first()
    if v is None:
        raise NotFound(_("没有这次走访，或您无权查看"))
    return v


@collector_required
@require_GET
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    v = _visit(request.user, pk)
    return render(request, "collection/visit.html", {
        "v": v, "photos": list(v.photos.order_by("id")),
        "demands": list(visits.visit_demands(v).select_related("community", "grid")),
    })


@collector_required
@require_GET
def visit_photo(request: HttpRequest, pk: int) -> HttpResponse:
    return attachment_views.serve(request, Visit, pk, not_found=NotFound(_("没有这张照片，或您无权查看")))


def _period(label: str) -> tuple[str, datetime, datetime]:
    from zoneinfo import ZoneInfo


    period = parse(label.strip()[:30] or timezone.localdate().strftime("%Y-%m"))
    start, end = period.bounds(ZoneInfo(timezone.get_current_timezone_name()))
    return period.label, start, end


@collector_required
@require_GET
def visit_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    error = ""
    try:
        label, start, end = _period(request.GET.get("period") or "")
    except DomainError as exc:
        error = _message(exc)
        label, start, end = _period("")
    rows = visits.coverage(user, start, end)
    recent = (visible(user, Visit.objects.select_related("grid", "building", "worker"))
              .filter(visited_at__gte=start, visited_at__lt=end).order_by("-visited_at", "-id"))
    page = Paginator(recent, PAGE_SIZE).get_page(request.GET.get("page"))
    total_b = sum(r.buildings for r in rows)
    total_v = sum(r.visited for r in rows)
    return render(request, "collection/visits.html", {
        "rows": rows, "page": page, "period": label, "error": error,
        "total": {"buildings": total_b, "visited": total_v,
                  "percent": round(100 * total_v / total_b) if total_b else 0},
    }, status=422 if error else 200)


# ---------------------------------------------------------------------------------------------
# Opinion forms (staff)


def _count(model, fk: str):
    """A correlated count (no join fan-out between two counted relations)."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    sub = model.objects.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def _form(user, pk) -> OpinionForm:
    f = visible(user, OpinionForm.objects.select_related("community__town")).filter(pk=pk).first()
    if f is None:
        raise NotFound(_("没有这张征求意见表，或您无权查看"))
    return f


def _answer_url(request, form: OpinionForm) -> str:
    return request.build_absolute_uri(reverse("collection:answer", args=[form.token]))


@collector_required
@require_http_methods(["GET", "POST"])
def form_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    ctx: dict = {"communities": list(staff_communities(user)), "values": {}, "error": ""}
    if request.method == "POST":
        p = request.POST
        try:
            f = opinion.create_form(user, community=_community(user, p.get("community")), title=p.get("title", ""),
                                    intro=p.get("intro", ""), allow_anonymous=p.get("allow_anonymous") == "1")
        except DomainError as exc:
            ctx.update(values=p, error=_message(exc))
            status = exc.status
        else:
            messages.success(request, _("已新建征求意见表，请添加题目"))
            return redirect("collection:form", pk=f.pk)
    else:
        status = 200
    qs = visible(user, OpinionForm.objects.select_related("community")).annotate(
        n_questions=_count(Question, "form"), n_responses=_count(FormResponse, "form"),
    ).order_by("-created_at", "-id")
    ctx["page"] = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "collection/forms.html", ctx, status=status)


def _form_context(request, f: OpinionForm, **extra) -> dict:
    ctx = {
        "f": f, "questions": opinion.questions_of(f), "kinds": QuestionKind.choices,
        "can_manage": is_community_staff(request.user, f.community), "answer_url": _answer_url(request, f),
        "responses": f.responses.count(),
    }
    ctx.update(extra)
    return ctx


@collector_required
@require_GET
def form_detail(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    return render(request, "collection/form.html", _form_context(request, f))


def _form_action(request, pk: int, call, done: str, anchor: str = "") -> HttpResponse:
    f = _form(request.user, pk)
    try:
        call(f)
    except DomainError as exc:
        f = _form(request.user, pk)
        ctx = _form_context(request, f, error=_message(exc), values=request.POST)
        return render(request, "collection/form.html", ctx, status=exc.status)
    messages.success(request, done)
    return redirect(reverse("collection:form", args=[pk]) + anchor)


@collector_required
@require_POST
def form_edit(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    return _form_action(request, pk, lambda f: opinion.update_form(
        f, request.user, title=p.get("title", ""), intro=p.get("intro", ""),
        allow_anonymous=p.get("allow_anonymous") == "1"), _("已保存"))


@collector_required
@require_POST
def form_question_add(request: HttpRequest, pk: int) -> HttpResponse:
    p = request.POST
    return _form_action(request, pk, lambda f: opinion.add_question(
        f, request.user, kind=p.get("kind", ""), text=p.get("text", ""), required=p.get("required") == "1",
        options_text=p.get("options", ""), position=_int(p.get("position"), "position")), _("已添加题目"), "#questions")


@collector_required
@require_POST
def form_question_edit(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    p = request.POST
    return _form_action(request, pk, lambda f: opinion.edit_question(
        f, request.user, qid, text=p.get("text", ""), required=p.get("required") == "1",
        options_text=p.get("options", "")), _("已保存题目"), "#questions")


@collector_required
@require_POST
def form_question_delete(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    return _form_action(request, pk, lambda f: opinion.delete_question(f, request.user, qid), _("已删除题目"),
                        "#questions")


@collector_required
@require_POST
def form_question_move(request: HttpRequest, pk: int, qid: int) -> HttpResponse:
    direction = "up" if request.POST.get("direction") == "up" else "down"
    return _form_action(request, pk, lambda f: opinion.move_question(f, request.user, qid, direction),
                        _("已调整顺序"), "#questions")


@collector_required
@require_POST
def form_state(request: HttpRequest, pk: int) -> HttpResponse:
    state = request.POST.get("state", "")
    done = {"open": _("已发布，可分发链接或二维码"), "closed": _("已结束征求"), "draft": _("已改回草稿")}.get(state, "")
    return _form_action(request, pk, lambda f: opinion.set_state(f, request.user, state), done)


@collector_required
@require_GET
def form_qr(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    response = HttpResponse(qr_png(_answer_url(request, f)), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="form-{f.pk}-qr.png"'
    return response


@collector_required
@require_GET
def form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    questions = opinion.questions_of(f)
    if not questions:
        return _page(request, _("还没有题目"), _("请先为这张表添加题目，再打印。"), 422)
    response = HttpResponse(make_pdf(f, questions, _answer_url(request, f)), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="form-{f.pk}.pdf"'
    return response


def _answer_context(f: OpinionForm, questions, *, values=None, errors=None, error: str = "") -> dict:
    chosen: dict[int, list[str]] = {}
    if values is not None:
        for q in questions:
            chosen[q.pk] = values.getlist(f"q{q.pk}")
    return {"f": f, "questions": [(q, chosen.get(q.pk, []), (errors or {}).get(q.pk, "")) for q in questions],
            "values": values or {}, "error": error, "ratings": opinion.RATINGS}


@collector_required
@require_http_methods(["GET", "POST"])
def form_paper(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    questions = opinion.questions_of(f)
    if request.method == "GET":
        ctx = _answer_context(f, questions)
        ctx.update(paper=True, count=f.responses.filter(source=FormResponse.Source.PAPER).count())
        return render(request, "collection/form_paper.html", ctx)
    try:
        opinion.submit_paper(f, request.user, request.POST, respondent_name=request.POST.get("respondent_name", ""))
    except DomainError as exc:
        ctx = _answer_context(f, questions, values=request.POST, errors=getattr(exc, "errors", None),
                              error=_message(exc))
        ctx.update(paper=True, count=f.responses.filter(source=FormResponse.Source.PAPER).count())
        return render(request, "collection/form_paper.html", ctx, status=exc.status)
    messages.success(request, _("已录入一份纸质意见表，可继续录入下一份"))
    return redirect("collection:form_paper", pk=f.pk)


@collector_required
@require_GET
def form_results(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    total, rows = opinion.results(f)
    return render(request, "collection/form_results.html", {
        "f": f, "total": total, "rows": rows, "can_manage": is_community_staff(request.user, f.community),
        "paper": f.responses.filter(source=FormResponse.Source.PAPER).count(),
    })


@collector_required
@require_POST
def form_answer_demand(request: HttpRequest, pk: int, answer: int) -> HttpResponse:
    f = _form(request.user, pk)
    try:
        demand, created = opinion.answer_to_demand(f, request.user, answer)
    except DomainError as exc:
        if exc.status == 403:
            return _page(request, _("无权访问"), _message(exc), 403)
        messages.error(request, _message(exc))
        return redirect(reverse("collection:form_results", args=[pk]) + "#texts")
    if created:
        messages.success(request, _("已登记为诉求 %(code)s") % {"code": demand.code})
    else:
        messages.info(request, _("这条意见此前已登记为诉求 %(code)s，未重复创建") % {"code": demand.code})
    return redirect(reverse("collection:form_results", args=[pk]) + "#texts")


@collector_required
@require_POST
def form_texts_demands(request: HttpRequest, pk: int) -> HttpResponse:
    f = _form(request.user, pk)
    try:
        n = opinion.texts_to_demands(f, request.user)
    except DomainError as exc:
        if exc.status == 403:
            return _page(request, _("无权访问"), _message(exc), 403)
        messages.error(request, _message(exc))
    else:
        messages.success(request, _("已把 %(n)d 条意见登记为诉求") % {"n": n})
    return redirect(reverse("collection:form_results", args=[pk]) + "#texts")


# ---------------------------------------------------------------------------------------------
# Opinion forms (residents): the answer page behind the link and the QR code


def _public_form(token: str) -> OpinionForm:
    f = OpinionForm.objects.select_related("community").filter(token=token[:24]).first()
    if f is None or f.state == OpinionForm.State.DRAFT:
        raise Http404("no such form")
    return f


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    f = _public_form(token)
    questions = opinion.questions_of(f)
    user = request.user if request.user.is_authenticated else None
    done_before = bool(user) and FormResponse.objects.filter(form=f, respondent=user,
                                                             source=FormResponse.Source.ONLINE).exists()
    if request.method == "GET":
        ctx = _answer_context(f, questions)
        ctx.update(done_before=done_before, closed=f.state == OpinionForm.State.CLOSED)
        return render(request, "collection/answer.html", ctx)
    try:
        opinion.submit_online(f, request.POST, user=user, ip=client_ip(request),
                              respondent_name=request.POST.get("respondent_name", ""),
                              anonymous=request.POST.get("anonymous") == "1")
    except DomainError as exc:
        ctx = _answer_context(f, questions, values=request.POST, errors=getattr(exc, "errors", None),
                              error=_message(exc))
        ctx.update(done_before=done_before, closed=f.state == OpinionForm.State.CLOSED)
        return render(request, "collection/answer.html", ctx, status=exc.status)
    return redirect("collection:answer_done", token=f.token)


@never_cache
@require_GET
def answer_done(request: HttpRequest, token: str) -> HttpResponse:
    f = _public_form(token)
    return render(request, "collection/answer_done.html", {"f": f})


# ---------------------------------------------------------------------------------------------
# 民情台账 (ledger) upload, import and export


def _export_filters(request):
    g = request.GET
    queue = g.get("queue", "")
    queue = queue if queue in selectors.QUEUES or queue == "overdue" else ""
    status = g.get("status", "") if g.get("status", "") in Status.values else ""
    category = g.get("category", "") if g.get("category", "") in Category.values else ""
    return selectors.Filters(
        community=(g.get("community") or "").strip()[:60] or None, grid=(g.get("grid") or "").strip()[:60] or None,
        status=status or None, category=category or None, queue=queue or None,
        overdue=True if g.get("overdue") == "1" else None, q=(g.get("q") or "").strip()[:100] or None,
    )


@collector_required
@require_http_methods(["GET", "POST"])
def ledger(request: HttpRequest) -> HttpResponse:
    user = request.user
    status = 200
    error = ""
    if request.method == "POST":
        try:
            imp = ledger_web.upload(user, request.FILES.get("file"))
        except DomainError as exc:
            error, status = _message(exc), exc.status
        else:
            return redirect("collection:ledger_import", pk=imp.pk)
    return render(request, "collection/ledger.html", {
        "error": error, "can_import": ledger_web.can_import(user),
        "imports": LedgerImport.objects.filter(uploaded_by=user)[:10],
        "communities": list(visible(user, Community.objects.all()).order_by("name")),
        "statuses": Status.choices, "categories": Category.choices,
    }, status=status)


@collector_required
@require_GET
def ledger_import(request: HttpRequest, pk: int) -> HttpResponse:
    imp = ledger_web.get_import(request.user, pk)
    status = 422 if imp.state == LedgerImport.State.INVALID else 200
    return render(request, "collection/ledger_import.html", {"imp": imp, "sync_max": ledger_web.sync_max_rows()},
                  status=status)


@collector_required
@require_POST
def ledger_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    imp = ledger_web.get_import(request.user, pk)
    try:
        imp = ledger_web.confirm(imp, request.user)
    except DomainError as exc:
        return render(request, "collection/ledger_import.html", {
            "imp": ledger_web.get_import(request.user, pk), "sync_max": ledger_web.sync_max_rows(),
            "error": _message(exc)}, status=exc.status)
    if imp.state == LedgerImport.State.DONE:
        messages.success(request, imp.message)
    elif imp.state == LedgerImport.State.FAILED:
        messages.error(request, imp.message)
    return redirect("collection:ledger_import", pk=pk)


@collector_required
@require_GET
def ledger_status(request: HttpRequest, pk: int) -> HttpResponse:
    imp = ledger_web.get_import(request.user, pk)
    return render(request, "collection/_ledger_progress.html", {"imp": imp})


@collector_required
@require_GET
def ledger_export(request: HttpRequest) -> HttpResponse:
    import tempfile


    user = request.user
    demands = selectors.filtered(user, _export_filters(request))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    n, unmasked = ledger_web.export_demands(user, demands, out)
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(out, as_attachment=True, filename=f"民情台账-{stamp}.xlsx",
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["X-Minsheng-Rows"] = str(n)
    response["X-Minsheng-Masked"] = "0" if unmasked else "1"
    return response
