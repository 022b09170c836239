"""Web pages for demands: the resident's H5 form and tracking page, the staff worklist (工作台), the demand
page with its actions, and the staff inbox.

Thin, like the API: every change goes through `services` (one function per transition), every read
through `selectors` or `pages_support`. A DomainError becomes the page (or htmx panel) with its message
and its status — never a 5xx. Every form works without JavaScript; htmx only makes it smoother.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from minsheng.core.errors import Conflict, DomainError, InvalidInput, NotFound
from minsheng.core.ratelimit import client_ip
from minsheng.core.services import hit
from minsheng.notifications.services import mark_read
from minsheng.territory.models import Community, Grid

from . import pages_support as support
from . import reporter, selectors, services
from .models import Category, Complexity, Demand, Kind, PhotoStage, Resolution, Satisfaction, Status
from .page_actions import ACTIONS, DONE, posted
from .page_actions import int_field as _int

SUBMIT_FIELDS = ("text", "place", "reporter_name", "reporter_phone", "lat", "lon")
# Which form field shows a service's error (services name the field they refuse).
SUBMIT_ERROR_FIELD = {"text": "text", "place": "place", "reporter_name": "reporter_name",
                      "reporter_phone": "reporter_phone", "lat": "location", "lon": "location", "photos": "photos"}
PAGE_SIZE = 50
MAX_BULK = 100
SUBMITTED_KEY = "minsheng_submitted"


def _message(exc: DomainError) -> str:
    """The service's message without its leading field name ("reporter_phone: …")."""
    return re.sub(r"^[A-Za-z_/\-]+:\s*", "", exc.detail)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def _float(value: str, field: str) -> float | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(f"{field}: 位置格式不正确", field=field) from None


# ---------------------------------------------------------------------------------------------
# Resident: submit (H5 form)


@never_cache
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    preset = support.find_preset(community=data.get("community"), grid=data.get("grid"))
    form_key = support.form_key(request.POST.get(support.FORM_KEY, "")) if request.method == "POST" else ""
    ctx = {"preset": preset, "values": {}, "errors": {}, "error": "", "submit_key": form_key or support.new_form_key(),
           "max_photos": services.MAX_PHOTOS_PER_FORM}
    if request.method == "GET":
        return render(request, "demands/submit.html", ctx)

    values = {name: request.POST.get(name, "") for name in SUBMIT_FIELDS}
    ctx["values"] = values
    user = request.user if request.user.is_authenticated else None
    photos: list = []

    def register(analysis=None) -> tuple[Demand, str]:
        # Called inside one transaction: the demand and its photos are saved together or not at all.
        demand, token = services.register(
            text=values["text"], channel="online", actor=user, community=preset.community, grid=preset.grid,
            place_text=values["place"], lat=_float(values["lat"], "lat"), lon=_float(values["lon"], "lon"),
            reporter_name=values["reporter_name"], reporter_phone=values["reporter_phone"],
            reporter_user=support.reporter_account(user), analysis=analysis,
        )
        if photos:
            demand = services.add_attachment(demand, user, photos, by_reporter=True)
        return demand, token

    def throttle() -> None:
        if user is None:
            hit(f"intake:{client_ip(request)}", limit=settings.MINSHENG_ANON_INTAKE_LIMIT,
                per_seconds=settings.MINSHENG_ANON_INTAKE_WINDOW, message="提交过于频繁，请稍后再试")

    try:
        photos[:] = services.check_photos(request.FILES.getlist("photos"))  # before anything is written
        if form_key:
            # The form's one-time key: a second post of it (double tap, retry, several at once) answers
            # with the first demand.
            submitted = support.submit_once(form_key, values, preset=preset, user=user, throttle=throttle,
                                             register=register, lat=_float(values["lat"], "lat"),
                                             lon=_float(values["lon"], "lon"))
        else:  # a page from before the key existed
            throttle()
            with transaction.atomic():
                demand, token = register()
            submitted = {"code": demand.code, "token": token}
    except DomainError as exc:
        field = SUBMIT_ERROR_FIELD.get(exc.field or "")
        if field:
            ctx["errors"] = {field: _message(exc)}
        else:
            ctx["error"] = _message(exc)
        if isinstance(exc, Conflict):
            ctx["submit_key"] = support.new_form_key()  # the new content goes with a new key
        # A browser never shows chosen files again: say so, rather than let them vanish unnoticed.
        ctx["photos_dropped"] = any(request.FILES.getlist("photos"))
        return render(request, "demands/submit.html", ctx, status=exc.status)
    # Post/redirect/get: the token is shown once, on the next page, and a reload does not resubmit.
    request.session[SUBMITTED_KEY] = {**submitted, "by_sms": bool(values["reporter_phone"].strip())}
    return redirect("demands:submit_done")


@never_cache
@require_GET
def submit_done(request: HttpRequest) -> HttpResponse:
    submitted = request.session.pop(SUBMITTED_KEY, None)
    if not submitted:
        return redirect("demands:submit")
    return render(request, "demands/submit_done.html",
                  support.receipt(request, submitted["code"], submitted["token"], by_sms=submitted.get("by_sms", False)))


# ---------------------------------------------------------------------------------------------
# Resident: tracking and rating


def _track_credentials(data) -> dict:
    return {
        "code": (data.get("code") or "").strip().upper()[:32],
        "token": (data.get("token") or "").strip()[:100],
        "phone4": (data.get("phone4") or "").strip()[:4],
    }


def _track_context(d: Demand, creds: dict) -> dict:
    # The last four digits show progress only; rating needs the token or a code sent by SMS.
    by_token = bool(creds["token"]) and services.check_tracking(d, creds["token"])
    return {
        "d": d, "public": d, "steps": support.steps(d), "timeline": support.public_timeline(d),
        "extensions": list(d.extensions.order_by("at", "id")), "creds": creds, "code": d.code,
        "can_rate": d.awaiting_rating, "needs_code": d.awaiting_rating and not by_token,
        "merge_result": d.result_of_merge,
        # Photos are served to the token only (attachment_owner): with the last four digits, say how to see them.
        "photo_groups": selectors.photo_groups(d) if by_token else [],
        "photos_need_token": not by_token and d.attachments.exists(),
        "code_minutes": reporter.code_minutes(),
        "resolutions": [(Resolution.RESOLVED, _("已解决")), (Resolution.PARTLY, _("部分解决")),
                        (Resolution.UNRESOLVED, _("未解决"))],
        "satisfactions": [(v, label) for v, label in Satisfaction.choices if v != Satisfaction.NO_ANSWER],
    }


def _track_url(creds: dict) -> str:
    return support.track_url(creds["code"], token=creds["token"], phone4=creds["phone4"])


NOT_FOUND_TRACK = "没有找到该诉求，或查询凭据不正确。请核对编号和查询码（或手机号后四位）。"


@never_cache
@require_GET
def track(request: HttpRequest) -> HttpResponse:
    creds = _track_credentials(request.GET)
    ctx: dict = {"creds": creds, "code": creds["code"], "error": ""}
    if not (creds["code"] and (creds["token"] or creds["phone4"])):
        return render(request, "demands/track.html", ctx)
    try:
        hit(f"track:{client_ip(request)}", limit=settings.MINSHENG_TRACK_LIMIT, per_seconds=3600,
            message="查询过于频繁，请稍后再试")
    except DomainError as exc:
        ctx["error"] = exc.detail
        return render(request, "demands/track.html", ctx, status=exc.status)
    d = support.find_for_tracking(creds["code"], token=creds["token"], phone4=creds["phone4"])
    if d is None:
        ctx["error"] = _(NOT_FOUND_TRACK)
        return render(request, "demands/track.html", ctx, status=404)
    ctx.update(_track_context(d, creds))
    return render(request, "demands/track.html", ctx)


def _track_refused(creds: dict, d: Demand | None, exc: DomainError, *, key: str) -> dict:
    """Context for the tracking page again, with the refusal where the resident acted (`key`: rate_error or
    code_error)."""
    ctx: dict = {"creds": creds, "code": creds["code"], "error": ""}
    if d is None:
        ctx["error"] = _message(exc)
    else:
        d = Demand.objects.select_related("community", "merged_into").get(pk=d.pk)
        ctx.update(_track_context(d, creds))
        ctx[key] = _message(exc)
    return ctx


@never_cache
@require_POST
def track_code(request: HttpRequest, code: str) -> HttpResponse:
    """Send the reporter a one-time code by SMS (the code and the last four digits are asked for)."""
    creds = _track_credentials(request.POST)
    creds["code"], creds["token"] = code.strip().upper()[:32], ""
    d = None
    try:
        hit(f"track:{client_ip(request)}", limit=settings.MINSHENG_TRACK_LIMIT, per_seconds=3600,
            message="操作过于频繁，请稍后再试")
        d = support.find_for_tracking(creds["code"], phone4=creds["phone4"])
        if d is None:
            raise NotFound(_(NOT_FOUND_TRACK))
        reporter.request_code(d, client=client_ip(request))
    except DomainError as exc:
        ctx = _track_refused(creds, d, exc, key="code_error")
        return render(request, "demands/track.html", ctx, status=exc.status)
    messages.success(request, _("验证码已发送到尾号 %(last4)s 的手机，%(minutes)s 分钟内有效。") % {
        "last4": creds["phone4"], "minutes": reporter.code_minutes()})
    return redirect(_track_url(creds) + "#rate")


@never_cache
@require_POST
def track_rate(request: HttpRequest, code: str) -> HttpResponse:
    creds = _track_credentials(request.POST)
    creds["code"] = code.strip().upper()[:32]
    d = None
    try:
        hit(f"track:{client_ip(request)}", limit=settings.MINSHENG_TRACK_LIMIT, per_seconds=3600,
            message="操作过于频繁，请稍后再试")
        d = support.find_for_tracking(creds["code"], token=creds["token"], phone4=creds["phone4"])
        if d is None:
            raise NotFound(_(NOT_FOUND_TRACK))
        if not d.awaiting_rating:
            raise Conflict(_("该诉求目前不需要评价"))
        resolution, satisfaction = request.POST.get("resolution", ""), request.POST.get("satisfaction", "")
        if resolution not in Resolution.values:
            raise InvalidInput(_("请选择解决情况"), field="resolution")
        if satisfaction not in Satisfaction.values or satisfaction == Satisfaction.NO_ANSWER:
            raise InvalidInput(_("请选择满意度"), field="satisfaction")
        reporter.rate(d, token=creds["token"], code=request.POST.get("otp", ""), resolution=resolution,
                      satisfaction=satisfaction, note=request.POST.get("note", ""))
    except DomainError as exc:
        ctx = _track_refused(creds, d, exc, key="rate_error")
        # What the resident chose stays chosen (a wrong code should not cost them the form).
        ctx["chosen"] = {name: request.POST.get(name, "")[:500] for name in ("resolution", "satisfaction", "note")}
        return render(request, "demands/track.html", ctx, status=exc.status)
    messages.success(request, _("感谢您的评价！"))
    return redirect(_track_url(creds))


# ---------------------------------------------------------------------------------------------
# Staff: the worklist (工作台)


def staff_required(view):
    """Signed in (else to /login/?next=…) and staff (else 403)."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not support.can_use_desk(request.user):
            return render(request, "demands/message.html", {
                "title": _("无权访问"), "text": _("工作台仅供社区、网格和承办单位的工作人员使用。")}, status=403)
        return never_cache(view)(request, *args, **kwargs)

    return wrapped


def _filters(request: HttpRequest) -> tuple[selectors.Filters, dict]:
    g = request.GET
    queue = g.get("queue", "")
    queue = queue if queue in selectors.QUEUES or queue == "overdue" else ""
    status = g.get("status", "") if g.get("status", "") in Status.values else ""
    category = g.get("category", "") if g.get("category", "") in Category.values else ""
    grid = (g.get("grid") or "").strip()[:60]
    q = (g.get("q") or "").strip()[:100]
    overdue = g.get("overdue") == "1"
    f = selectors.Filters(status=status or None, category=category or None, grid=grid or None,
                          queue=queue or None, overdue=overdue or None, q=q or None)
    return f, {"queue": queue, "status": status, "category": category, "grid": grid, "q": q, "overdue": overdue}


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP rows: the ended history can be huge and nobody pages through it all."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, selectors.DeadlineFirst):
            return self.object_list.capped_count(self.COUNT_CAP)
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()  # counting needs no sort

    @property
    def capped(self) -> bool:
        return self.count > self.COUNT_CAP


class HistoryPage:
    """A page of the ended history, newest first, without a total: counting a filtered history means
    reading all of it, while a page reads only its own rows (and one more, to know there is a next)."""

    MAX_PAGE = selectors.HISTORY_DEPTH // PAGE_SIZE

    def __init__(self, rows: selectors.NewestFirst, number: str | None, size: int):
        try:
            self.number = min(max(int(number or 1), 1), self.MAX_PAGE)
        except ValueError:
            self.number = 1
        start = (self.number - 1) * size
        found = rows[start:start + size + 1]
        self.object_list = found[:size]
        self.has_next = len(found) > size and self.number < self.MAX_PAGE
        self.has_previous = self.number > 1
        self.paginator = self

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


@staff_required
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    user = request.user
    f, chosen = _filters(request)
    found = selectors.worklist(user, f, active_by_default=True)
    if isinstance(found, selectors.NewestFirst):
        page, total = HistoryPage(found, request.GET.get("page"), PAGE_SIZE), None
    else:
        paginator = CappedPaginator(found, PAGE_SIZE)
        page, total = paginator.get_page(request.GET.get("page")), paginator.count
    now = timezone.now()
    rows = [{"d": d, "overdue": selectors.is_overdue(d, now)} for d in page.object_list]
    ctx = {
        "rows": rows, "page": page, "total": total, "chosen": chosen,
        "can_bulk": support.can_bulk_assign(user),
        "handlers": list(support.handlers_in_scope(user)) if support.can_bulk_assign(user) else [],
        "complexities": Complexity.choices,
        "queue_label": selectors.QUEUES[chosen["queue"]][0] if chosen["queue"] in selectors.QUEUES else (
            _("已超期") if chosen["queue"] == "overdue" else ""),
    }
    if _is_htmx(request):
        response = render(request, "demands/_worklist.html", ctx)
    else:
        counts = selectors.queue_counts(user)
        tabs = [{"key": key, "label": label, "count": counts.get(key)} for key, (label, _q) in selectors.QUEUES.items()]
        tabs.insert(-1, {"key": "overdue", "label": _("已超期"), "count": counts.get("overdue", 0)})
        ctx.update({
            "tabs": tabs, "statuses": Status.choices, "categories": Category.choices,
            "grids": list(support.scope_grids(user)),
        })
        response = render(request, "demands/desk.html", ctx)
    patch_vary_headers(response, ["HX-Request"])
    return response


@staff_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    user = request.user
    codes = list(dict.fromkeys(c.strip() for c in request.POST.getlist("codes") if c.strip()))
    handler = request.POST.get("handler", "").strip()
    complexity = request.POST.get("complexity") or None
    error, results = "", []
    if not codes:
        error = _("请先勾选要派单的诉求。")
    elif len(codes) > MAX_BULK:
        error = _("一次最多派单 %(n)d 件。") % {"n": MAX_BULK}
    elif not handler:
        error = _("请选择承办人。")
    if error:
        return render(request, "demands/bulk_result.html", {"error": error, "results": []}, status=422)
    for code in codes:
        try:
            d = selectors.get_visible(user, code)
            services.assign(d, user, handler=handler, complexity=complexity)
        except DomainError as exc:
            results.append({"code": code, "ok": False, "status": exc.status, "message": _message(exc)})
        else:
            results.append({"code": code, "ok": True, "status": 200, "message": _("已派单给 %(h)s") % {"h": handler}})
    return render(request, "demands/bulk_result.html", {
        "results": results, "ok": sum(r["ok"] for r in results), "failed": sum(not r["ok"] for r in results),
    })


# ---------------------------------------------------------------------------------------------
# Staff: one demand and its actions


FIELD_LABELS = {
    "reason": gettext_noop("理由"), "into": gettext_noop("合并到"), "reply": gettext_noop("答复内容"),
    "handler": gettext_noop("承办人"), "complexity": gettext_noop("复杂程度"), "days": gettext_noop("延期天数"),
    "note": gettext_noop("内部说明"), "tell_reporter": gettext_noop("告知诉求人"),
    "resolution": gettext_noop("解决情况"), "satisfaction": gettext_noop("满意度"),
    "category": gettext_noop("分类"), "kind": gettext_noop("类型"), "community": gettext_noop("社区"),
    "grid": gettext_noop("网格"), "version": gettext_noop("版本号"), "photos": gettext_noop("照片"),
    "file": gettext_noop("照片"), "stage": gettext_noop("阶段"),
}


def _field_message(exc: DomainError) -> str:
    """'reason: 不能为空' → '理由：不能为空' (the field named in words people use)."""
    label = FIELD_LABELS.get(exc.field or "")
    if label and exc.detail.startswith(f"{exc.field}:"):
        return f"{_(label)}：{_message(exc)}"
    return exc.detail


TRIAGE_POLL_FOR = timedelta(minutes=10)


def _panel_context(request: HttpRequest, d: Demand) -> dict:
    user = request.user
    actions = support.available_actions(user, d, ACTIONS)
    ctx = {
        "d": d, "reporter": selectors.reporter_view(user, d, via="desk"), "overdue": selectors.is_overdue(d),
        "actions": actions, "timeline": support.staff_timeline(d),
        "extensions": list(d.extensions.select_related("approved_by").order_by("at", "id")),
        "merged": list(d.merged_demands.order_by("code").values_list("code", flat=True)),
        "photo_groups": selectors.photo_groups(d), "photo_stages": PhotoStage.choices,
        "photo_stage": services.default_stage(d, user), "max_photos": services.MAX_PHOTOS_PER_FORM,
        "triage": d.triage or {},
        # the background look finds duplicates seconds after intake: the card refreshes itself meanwhile
        "poll_triage": d.duplicates_pending and timezone.now() - d.created_at < TRIAGE_POLL_FOR,
        "triage_category_name": dict(Category.choices).get((d.triage or {}).get("category"), ""),
        "complexities": Complexity.choices, "resolutions": Resolution.choices, "satisfactions": Satisfaction.choices,
    }
    if "assign" in actions:
        ctx["handlers"] = list(services.handler_choices(d))
    if "classify" in actions:
        ctx.update({
            "categories": Category.choices, "kinds": Kind.choices,
            "communities": list(Community.objects.filter(town_id=d.town_id).order_by("name")),
            "grids": list(Grid.objects.filter(community__town_id=d.town_id).select_related("community")
                          .order_by("community__name", "id")),
        })
    return ctx


def _not_found(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "demands/message.html", {
        "title": _("未找到诉求"), "text": _("没有编号为 %(code)s 的诉求，或您无权查看。") % {"code": code}}, status=404)


@staff_required
@require_GET
def demand_page(request: HttpRequest, code: str) -> HttpResponse:
    try:
        d = selectors.get_visible(request.user, code)
    except NotFound:
        return _not_found(request, code)
    return render(request, "demands/demand.html", _panel_context(request, d))


@staff_required
@require_POST
def demand_act(request: HttpRequest, code: str, action: str) -> HttpResponse:
    user, htmx = request.user, _is_htmx(request)
    if action not in ACTIONS:
        return _not_found(request, code)
    try:
        d = selectors.get_visible(user, code)
    except NotFound:
        return _not_found(request, code)
    call = ACTIONS[action]
    try:
        version = _int(request.POST.get("version"), "version", "版本号格式不正确")
        form = posted(request)
        services.act_checked(d.code, version, lambda locked: call(locked, user, form, version),
                            lock=action != "merge")
    except DomainError as exc:
        try:
            d = selectors.get_visible(user, code)
        except NotFound:
            return _not_found(request, code)
        ctx = _panel_context(request, d)
        ctx.update({"error": _field_message(exc), "error_action": action})
        return render(request, "demands/_panel.html" if htmx else "demands/demand.html", ctx, status=exc.status)
    done = _(DONE[action])
    gone = selectors.handed_over(user, d)
    if gone is not None:  # e.g. reclassified to another community: made, and no longer theirs (as the API says)
        where = gone["community"] or _("镇级待分派")
        messages.success(request, _("%(code)s：%(done)s，已转至%(where)s（已移出您的辖区）") % {
            "code": code, "done": done, "where": where})
        if htmx:
            return HttpResponse(headers={"HX-Redirect": reverse("demands:desk")})
        return redirect("demands:desk")
    d = selectors.get_visible(user, code)
    if htmx:
        ctx = _panel_context(request, d)
        ctx["notice"] = done
        return render(request, "demands/_panel.html", ctx)
    messages.success(request, done)
    return redirect("demands:demand", code=d.code)


# ---------------------------------------------------------------------------------------------
# Staff: in-app notifications


@staff_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(support.inbox(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "demands/inbox.html", {"page": page})


@staff_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("id") if i.isdigit()]
    mark_read(request.user, ids or None)
    return redirect("demands:inbox")
